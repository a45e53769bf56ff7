# --- shipped models (issue 3) ------------------------------------------------
# The seven models of web/models/, their recipe and their evaluation (tools/models/).
#   make models         retrain web/models/NAME.safetensors for the seven datasets, one after another
#                       (about a minute each on one core). Deterministic: the same command gives the
#                       same weights; a model whose weights and metadata come out the same as the
#                       shipped file's (all but `train_seconds`, the wall-clock time) keeps the shipped
#                       bytes, so the golden vectors that pin them stay valid. MODELS=moons retrains one.
#   make models-eval    the README table: training time and MMD² (4000 samples) per solver at 1, 2, 4,
#                       8, 32 steps, and RK4/32 against the bars of issue 3; Markdown on stdout
#   make models-ot      the OT-coupling study: independent vs OT coupling, Euler at 1, 2, 4, 8, 20
#                       steps (models in $(B)/ot-study/); Markdown on stdout
MODELS ?= moons 8gaussians checkerboard spirals circles gaussian swissroll
# One recipe for all seven (the evidence for it: tools/models/RECIPE.md).
MODELS_RECIPE := --steps 40000 --batch 256 --lr 3e-3 --schedule cosine --warmup 1000 --lr-floor 0.01 \
  --ema 0.999 --time sin:4 --width 96 --depth 4 --activation silu --coupling independent --seed 0
# Per-dataset additions (none at present): MODELS_FLAGS_<dataset> := ...
OT_STUDY_DATASETS ?= moons 8gaussians
OT_SAME_TIME ?= 1
COMMA_MODELS := ,

define MODELS_TRAIN
	$(B)/rill train --data $(1) --out $(B)/models/$(1).safetensors $(MODELS_RECIPE) $(MODELS_FLAGS_$(1))
	@if [ -f web/models/$(1).safetensors ] && python3 tools/models/same_model.py web/models/$(1).safetensors \
	  $(B)/models/$(1).safetensors 2>/dev/null; then echo "web/models/$(1).safetensors: same weights, kept"; \
	else cp $(B)/models/$(1).safetensors web/models/.$(1).tmp && mv web/models/.$(1).tmp web/models/$(1).safetensors && \
	  echo "web/models/$(1).safetensors: written"; fi

endef

.PHONY: models models-eval models-ot
models: $(B)/rill
	@mkdir -p $(B)/models web/models
	$(foreach m,$(MODELS),$(call MODELS_TRAIN,$(m)))

models-eval: $(B)/rill
	@python3 tools/models/eval_table.py $(B)/rill web/models --datasets $(subst $() ,$(COMMA_MODELS),$(strip $(MODELS)))

models-ot: $(B)/rill
	@OT_SAME_TIME=$(OT_SAME_TIME) bash tools/models/ot_study.sh $(B)/rill $(B)/ot-study "$(MODELS_RECIPE)" $(OT_STUDY_DATASETS)
