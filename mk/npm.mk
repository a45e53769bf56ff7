# --- npm package (issue 18) -----------------------------------------------------
# The WebAssembly module and its JavaScript API as the npm package rill-flow: web/rill.mjs (with
# rill_base.mjs and rill_model.mjs), web/rill_loader.mjs, web/rill.d.ts, web/npm/ (package.json template, README), tests/npm/.
#   make npm        $(B)/npm/: package.json (version from rill.h), rill.mjs, rill_base.mjs, rill_model.mjs,
#                   rill_loader.mjs, rill.wasm,
#                   rill-sample.wasm (the sampler-only module, Rill.loadSampler()),
#                   rill.d.ts, README.md; packed as $(B)/rill-flow-X.Y.Z.tgz (nothing is published)
#   make npm-test   the tarball installed offline into a fresh project and used from Node, its README's
#                   example run; a strict TypeScript consumer type-checked against it; rill.d.ts and
#                   rill.mjs compared name by name (tests/npm/check_types.mjs)
# The package exports "." only: the sampler-only module is a second .wasm file that rill.mjs loads
# (Rill.loadSampler()), not a second entry point.

# "0.2.0" from RILL_VERSION_MAJOR / _MINOR / _PATCH.
rill_version_part = $(shell sed -n 's/^[[:space:]]*.define[[:space:]]*RILL_VERSION_$(1)[[:space:]]*\([0-9]*\).*/\1/p' src/rill/rill.h)
RILL_VERSION := $(call rill_version_part,MAJOR).$(call rill_version_part,MINOR).$(call rill_version_part,PATCH)
NPM_DIR := $(B)/npm
NPM_TGZ := $(B)/rill-flow-$(RILL_VERSION).tgz
NPM_FILES := $(addprefix $(NPM_DIR)/,package.json README.md rill.d.ts rill.mjs rill_base.mjs rill_model.mjs safetensors.mjs rill_loader.mjs \
  rill.wasm rill-sample.wasm)
# TypeScript for the test only (never shipped, never in the repository): pinned, in $(NPM_TOOLS).
# 5.9.3 is the last compiler written in JavaScript (7.x is the native one, without the compiler API
# check_types.mjs uses); it needs Node >= 14.17. `make deps` installs it.
TYPESCRIPT_VERSION := 5.9.3
NPM_TOOLS := $(B)/npm-tools
TYPESCRIPT := $(NPM_TOOLS)/node_modules/typescript

.PHONY: npm npm-test npm-tools
npm: $(NPM_TGZ)

$(NPM_TGZ): $(NPM_FILES)
	@rm -f $(B)/rill-flow-*.tgz
	cd $(NPM_DIR) && npm pack --silent --pack-destination $(abspath $(B)) >/dev/null
	@[ -f $@ ] || { echo "npm pack did not write $@"; exit 1; }
	@echo "$@: $$(wc -c < $@) bytes; $(NPM_DIR): $$(cat $(NPM_FILES) | wc -c) bytes in $(words $(NPM_FILES)) files"

$(NPM_DIR)/package.json: web/npm/package.json src/rill/rill.h
	@echo "$(RILL_VERSION)" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$$' || \
	  { echo "cannot read RILL_VERSION_MAJOR/MINOR/PATCH from src/rill/rill.h (got '$(RILL_VERSION)')"; exit 1; }
	@mkdir -p $(dir $@)
	sed 's/@VERSION@/$(RILL_VERSION)/' $< > $@
$(NPM_DIR)/README.md: web/npm/README.md
	@mkdir -p $(dir $@)
	cp $< $@
$(NPM_DIR)/rill.wasm $(NPM_DIR)/rill-sample.wasm: $(NPM_DIR)/%: $(B)/web/%
	@mkdir -p $(dir $@)
	cp $< $@
$(NPM_DIR)/rill.d.ts $(NPM_DIR)/rill.mjs $(NPM_DIR)/rill_base.mjs $(NPM_DIR)/rill_model.mjs $(NPM_DIR)/safetensors.mjs $(NPM_DIR)/rill_loader.mjs: $(NPM_DIR)/%: web/%
	@mkdir -p $(dir $@)
	cp $< $@

npm-tools: $(TYPESCRIPT)/.rill-$(TYPESCRIPT_VERSION)
	@:
$(TYPESCRIPT)/.rill-$(TYPESCRIPT_VERSION):
	@mkdir -p $(NPM_TOOLS)
	@[ -f $(NPM_TOOLS)/package.json ] || echo '{ "private": true, "description": "dev-only tools of make npm-test" }' > $(NPM_TOOLS)/package.json
	cd $(NPM_TOOLS) && npm install --no-audit --no-fund --save-exact typescript@$(TYPESCRIPT_VERSION)
	@touch $@

npm-test: npm npm-tools
	node tests/npm/test_npm.mjs $(NPM_TGZ) $(RILL_VERSION) $(TYPESCRIPT) web/models
