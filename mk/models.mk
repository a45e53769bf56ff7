# --- shipped models (issues 3 and 12) ----------------------------------------
# The models of web/models/, their recipe and their evaluation (tools/models/).
#   make models         retrain web/models/NAME.safetensors, one after another: the seven datasets
#                       (about a minute each on one core) and the six conditioned models of issue 12
#                       (the 2-D ones as long; digits a few minutes). Deterministic: the same command
#                       gives the same weights; a model whose weights and metadata come out the same
#                       as the shipped file's (all but `train_seconds`, the wall-clock time) keeps the
#                       shipped bytes, so the golden vectors that pin them stay valid. MODELS=moons
#                       retrains one.
#   make models-eval    the README tables: training time and MMD² (4000 samples) per solver at 1, 2, 4,
#                       8, 32 steps, and RK4/32 against the bars of issue 3 (tools/models/eval_table.py);
#                       then the conditioned models against the goals of issue 12: per-class MMD² and
#                       agreement, the w = 0 figure, moons-from-8gaussians, and digits' agreement by
#                       guidance, MMD² and memorisation quantiles (tools/models/eval_conditioned.py)
#   make models-1step   the one-step models web/models/NAME-1step.safetensors (issue 14): `rill reflow` of
#                       each shipped teacher (run by `make models` after the teachers); ONESTEP=moons one
#   make models-1step-eval  (also run by models-eval) the trade-off table: one-step models at 1, 2, 4 Euler steps against their
#                       teachers at 1-32 steps (Euler) and 4-128 NFE (RK4), MMD² and W2 ÷ floor, and the true draws'
#                       own figures (tools/models/onestep_table.py); ONESTEP_SEEDS=0,1,2 averages sample seeds
#                       (three times as long); then the goals table (below); Markdown on stdout
#   make models-1step-goals  only issue 14's goals table: `rill eval --seeds $(ONESTEP_GOAL_SEEDS)` of each student
#                       at 1 and 2 NFE and its teacher at RK4 x 32, beside as many true draws (formats.md "Noise")
#   make models-nll     the NLL table of the shipped 2-D models (issue 13): rill eval's nll, entropy and kl
#                       (RK4/32, n = 2000) and kl on 20,000 more points with its standard error
#                       (tools/models/nll_table.py); Markdown on stdout
#   make models-ot      the OT-coupling study: independent vs OT coupling, Euler at 1, 2, 4, 8, 20
#                       steps (models in $(B)/ot-study/); Markdown on stdout
PLAIN_MODELS := moons 8gaussians checkerboard spirals circles gaussian swissroll
COND_MODELS := 8gaussians-class moons-class checkerboard-class swissroll-s moons-from-8gaussians digits
MODELS ?= $(PLAIN_MODELS) $(COND_MODELS)
# One recipe for all seven, checkerboard wider and deeper (below; the evidence: tools/models/RECIPE.md).
MODELS_RECIPE := --steps 40000 --batch 256 --lr 3e-3 --schedule cosine --warmup 1000 --lr-floor 0.01 \
  --ema 0.999 --time sin:4 --width 96 --depth 4 --activation silu --coupling independent --seed 0
# checkerboard (issue 13: KL(p_data||p_model) <= 0.08 nats): its discontinuous edges need more
# capacity than the shared 96 x 4 (KL 0.112 there); 6 hidden layers of 128, the rest unchanged
# (evidence: tools/models/RECIPE.md, "Checkerboard's density").
MODELS_RECIPE_checkerboard := --steps 40000 --batch 256 --lr 3e-3 --schedule cosine --warmup 1000 \
  --lr-floor 0.01 --ema 0.999 --time sin:4 --width 128 --depth 6 --activation silu --coupling independent --seed 0
# Per-model additions: MODELS_FLAGS_<model> := ...; a model named after no dataset says which
# (MODELS_DATA_<model>, default its name); MODELS_RECIPE_<model> replaces the shared recipe.
# The conditioned models of issue 12 (evidence: tools/models/RECIPE.md, "Conditioned models"):
# the 2-D ones take the shared recipe with the dataset's labels (class:C, cfg dropout 0.1),
# swissroll's s (vector:1) or a dataset as the source.
MODELS_DATA_8gaussians-class := 8gaussians
MODELS_FLAGS_8gaussians-class := --condition class
MODELS_DATA_moons-class := moons
MODELS_FLAGS_moons-class := --condition class
MODELS_DATA_checkerboard-class := checkerboard
MODELS_FLAGS_checkerboard-class := --condition class
MODELS_DATA_swissroll-s := swissroll
MODELS_FLAGS_swissroll-s := --condition vector
MODELS_DATA_moons-from-8gaussians := moons
MODELS_FLAGS_moons-from-8gaussians := --source 8gaussians
# digits (64-D, class:10): 4 hidden layers of 256 (235,072 parameters, 0.94 MB as F32; 230 s of CPU).
MODELS_RECIPE_digits := --steps 24000 --batch 256 --lr 2e-3 --schedule cosine --warmup 500 --lr-floor 0.01 \
  --ema 0.999 --time sin:4 --width 256 --depth 4 --activation silu --coupling independent --seed 0
MODELS_FLAGS_digits := --condition class
# The guidance weights models-eval reports for digits (README's table).
DIGITS_GUIDANCE ?= 1,1.5,2,3
# The one-step models: reflow of the shipped teacher on its own pairs (x0, rk4/64 flow of x0), the student
# starting from the teacher's weights (the evidence: README "One evaluation per sample").
ONESTEP ?= moons 8gaussians checkerboard spirals circles
ONESTEP_RECIPE := --teacher-solver rk4 --teacher-steps 64 --init teacher --batch 256 --schedule cosine \
  --lr-floor 0.01 --ema 0.999 --seed 0
# Pairs, steps, rate: 20,000 / 10,000 / 1e-3 by default; 8gaussians and spirals take more pairs and steps, a
# higher rate and a quarter of each batch at t = 0 (distillation). MODELS-style: ONESTEP_FLAGS_<dataset>.
ONESTEP_SHORT := --pairs 20000 --steps 10000 --lr 1e-3
ONESTEP_LONG := --pairs 50000 --steps 20000 --lr 3e-3 --t0-share 0.25
ONESTEP_FLAGS_8gaussians := $(ONESTEP_LONG)
ONESTEP_FLAGS_spirals := $(ONESTEP_LONG)
ONESTEP_FLAGS_moons := $(ONESTEP_LONG)
# A teacher of its own (not shipped; the golden vectors pin the shipped one): ONESTEP_TEACHER_<dataset> is its
# `rill train` recipe, trained to $(B)/models/1step-teachers/<dataset>.safetensors, so the student's metadata
# still names <dataset> and the page compares it with the shipped model. moons: the shipped recipe at 80,000
# steps, whose W2 ratio at RK4/32 is 1.26 against the shipped teacher's 1.41 (mean of sample seeds 0, 1, 2).
ONESTEP_TEACHER_moons := $(subst --steps 40000,--steps 80000,$(MODELS_RECIPE))
ONESTEP_SEEDS ?= 0
# The goals table (formats.md "Noise": a claim near a bar averages seeds, beside true draws): `rill eval --seeds`.
ONESTEP_GOAL_SEEDS ?= 20
OT_STUDY_DATASETS ?= moons 8gaussians
OT_SAME_TIME ?= 1
COMMA_MODELS := ,

define MODELS_TRAIN
	$(B)/rill train --data $(or $(MODELS_DATA_$(1)),$(1)) --out $(B)/models/$(1).safetensors \
	  $(or $(MODELS_RECIPE_$(1)),$(MODELS_RECIPE)) $(MODELS_FLAGS_$(1))
	@if [ -f web/models/$(1).safetensors ] && python3 tools/models/same_model.py web/models/$(1).safetensors \
	  $(B)/models/$(1).safetensors 2>/dev/null; then echo "web/models/$(1).safetensors: same weights, kept"; \
	else cp $(B)/models/$(1).safetensors web/models/.$(1).tmp && mv web/models/.$(1).tmp web/models/$(1).safetensors && \
	  echo "web/models/$(1).safetensors: written"; fi

endef

define ONESTEP_TRAIN
	$(if $(ONESTEP_TEACHER_$(1)),@mkdir -p $(B)/models/1step-teachers)
	$(if $(ONESTEP_TEACHER_$(1)),$(B)/rill train --data $(1) --out $(B)/models/1step-teachers/$(1).safetensors \
	  $(ONESTEP_TEACHER_$(1)))
	$(B)/rill reflow --model $(if $(ONESTEP_TEACHER_$(1)),$(B)/models/1step-teachers,web/models)/$(1).safetensors --out $(B)/models/$(1)-1step.safetensors $(ONESTEP_RECIPE) \
	  $(or $(ONESTEP_FLAGS_$(1)),$(ONESTEP_SHORT))
	@if [ -f web/models/$(1)-1step.safetensors ] && python3 tools/models/same_model.py \
	  web/models/$(1)-1step.safetensors $(B)/models/$(1)-1step.safetensors 2>/dev/null; then \
	  echo "web/models/$(1)-1step.safetensors: same weights, kept"; \
	else cp $(B)/models/$(1)-1step.safetensors web/models/.$(1)-1step.tmp && \
	  mv web/models/.$(1)-1step.tmp web/models/$(1)-1step.safetensors && echo "web/models/$(1)-1step.safetensors: written"; fi

endef

.PHONY: models models-eval models-ot models-1step models-1step-eval models-1step-goals models-nll
models: $(B)/rill
	@mkdir -p $(B)/models web/models
	$(foreach m,$(MODELS),$(call MODELS_TRAIN,$(m)))
	$(MAKE) models-1step

models-1step: $(B)/rill
	@mkdir -p $(B)/models web/models
	$(foreach m,$(ONESTEP),$(call ONESTEP_TRAIN,$(m)))

models-1step-eval: $(B)/rill
	@python3 tools/models/onestep_table.py $(B)/rill web/models --seeds $(ONESTEP_SEEDS) \
	  --goals $(ONESTEP_GOAL_SEEDS) --datasets="$(subst $() ,$(COMMA_MODELS),$(strip $(ONESTEP)))"

# Only issue 14's goals table (about 20 minutes: 20 seeds of five students at 1 and 2 NFE and their teachers).
models-1step-goals: $(B)/rill
	@python3 tools/models/onestep_table.py $(B)/rill web/models --goals-only --goals $(ONESTEP_GOAL_SEEDS) \
	  --datasets="$(subst $() ,$(COMMA_MODELS),$(strip $(ONESTEP)))"

models-eval: $(B)/rill
	$(if $(filter-out $(COND_MODELS),$(MODELS)),@python3 tools/models/eval_table.py $(B)/rill web/models \
	  --datasets $(subst $() ,$(COMMA_MODELS),$(strip $(filter-out $(COND_MODELS),$(MODELS)))))
	$(if $(filter $(COND_MODELS),$(MODELS)),@python3 tools/models/eval_conditioned.py $(B)/rill web/models \
	  --models $(subst $() ,$(COMMA_MODELS),$(strip $(filter $(COND_MODELS),$(MODELS)))) --digits-guidance $(DIGITS_GUIDANCE))
	@$(MAKE) --no-print-directory models-1step-eval

models-nll: $(B)/rill
	@python3 tools/models/nll_table.py $(B)/rill web/models

models-ot: $(B)/rill
	@OT_SAME_TIME=$(OT_SAME_TIME) bash tools/models/ot_study.sh $(B)/rill $(B)/ot-study "$(MODELS_RECIPE)" $(OT_STUDY_DATASETS)
