# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Builds a Rust crate into one relocatable object of an out-of-tree kernel
# module, for the kernel's own Kbuild (`make -C <headers> M=<dir>`).
# docs/modules.md explains every line; include it from a Kbuild file:
#
#   obj-m := rsk.o
#   rsk-y := rsk_rust.o
#   rust-object    := rsk_rust.o        # the part of <module>-y built from Rust
#   rust-crate     := rsk               # the cargo package (a no_std staticlib)
#   rust-undefined := init_module cleanup_module   # the link's roots (ld -u)
#   include $(src)/path/to/btf-ids-rust.mk
#
# Optional, before the include or on make's command line:
#   rust-manifest   Cargo.toml of the crate        (default $(src)/Cargo.toml)
#   rust-target-dir cargo's target directory        (default $(src)/target)
#   RUST_HARDENING  1: ENDBR on every function, return thunks, retpolines
#                   (-Z flags; RUSTC_BOOTSTRAP=1 is always set); 0: none.
#                   Default: 1 when the kernel has CONFIG_X86_KERNEL_IBT or
#                   CONFIG_MITIGATION_RETHUNK, as the kernel's own Rust build
#                   does. Without it objtool warns once per function, and an
#                   IBT CPU faults on the kernel's indirect calls into Rust
#                   (init_module, cleanup_module, a kfunc filter).

ifeq ($(rust-object),)
$(error btf-ids-rust.mk: set rust-object (the .o of <module>-y that Rust builds) before the include)
endif
ifeq ($(rust-crate),)
$(error btf-ids-rust.mk: set rust-crate (the cargo package of $(rust-object)) before the include)
endif
ifeq ($(rust-undefined),)
$(error btf-ids-rust.mk: set rust-undefined (init_module, or the functions your C calls) before the include)
endif

# The traps that otherwise fail silently at load time (docs/modules.md):
# Debian's kbuild gives pahole --lang_exclude=rust, so the Rust kfuncs get no
# BTF and registration fails with -EINVAL; the kernel's resolve_btfids leaves
# opaque kernel types module-local (the verifier then refuses vmlinux
# pointers) and names the kernel's BTF checks refuse (the module then loads
# without BTF and registers nothing).
ifneq ($(filter --lang_exclude=rust,$(PAHOLE_FLAGS)),)
$(error btf-ids-rust.mk: PAHOLE_FLAGS has --lang_exclude=rust, so the Rust kfuncs would get no BTF; \
  run make with PAHOLE_FLAGS="--btf_gen_floats -j" (see docs/modules.md))
endif
ifneq ($(filter %/tools/bpf/resolve_btfids/resolve_btfids,$(RESOLVE_BTFIDS)),)
$(error btf-ids-rust.mk: RESOLVE_BTFIDS is the kernel's resolve_btfids, which leaves Rust's opaque \
  kernel types and names the kernel refuses in the module's BTF; run make with RESOLVE_BTFIDS=<path of btf-ids>)
endif

rust-manifest ?= $(src)/Cargo.toml
rust-target-dir ?= $(src)/target
ifeq ($(strip $(RESOLVE_BTFIDS)),)
$(error btf-ids-rust.mk: RESOLVE_BTFIDS is empty; run make with RESOLVE_BTFIDS=<path of btf-ids>)
endif
rust-target := x86_64-unknown-linux-gnu
rust-lib = $(rust-target-dir)/$(rust-target)/release/lib$(subst -,_,$(rust-crate)).a

# What kernel code needs from rustc: the kernel code model and no GOT
# (the module loader refuses R_X86_64_GOTPCREL), no red zone (interrupts
# use the stack below %rsp), no SSE/AVX state, frame pointers for the
# unwinder. With an explicit --target these reach the crate graph only,
# not proc macros.
# -Zmerge-functions=disabled: LLVM otherwise makes a kfunc whose code equals
# another's an alias of it, the alias loses its DWARF, pahole gives it no
# BTF FUNC, and the kernel refuses the whole set (-EINVAL). A -Z flag, hence
# RUSTC_BOOTSTRAP=1.
rust-kernel-flags := -Ccode-model=kernel -Crelocation-model=static -Cno-redzone=yes \
	-Ctarget-feature=-sse,-sse2,-avx,-avx2 -Cforce-frame-pointers=yes -Zmerge-functions=disabled
rust-env := RUSTC_BOOTSTRAP=1
RUST_HARDENING ?= $(if $(CONFIG_X86_KERNEL_IBT)$(CONFIG_MITIGATION_RETHUNK),1,0)
ifeq ($(RUST_HARDENING),0)
ifneq ($(CONFIG_X86_KERNEL_IBT),)
$(warning btf-ids-rust.mk: RUST_HARDENING=0 in a CONFIG_X86_KERNEL_IBT kernel: the Rust functions \
  the kernel calls indirectly have no ENDBR, and a CPU with IBT faults on them)
endif
endif
ifeq ($(RUST_HARDENING),1)
rust-kernel-flags += -Zcf-protection=branch -Zfunction-return=thunk-extern \
	-Zretpoline-external-thunk -Cunsafe-allow-abi-mismatch=retpoline,retpoline-external-thunk \
	-Cjump-tables=no
endif

quiet_cmd_rust_staticlib = CARGO   $(rust-crate)
      cmd_rust_staticlib = $(rust-env) \
	CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="$(rust-kernel-flags)" \
	cargo build --release --quiet --target $(rust-target) \
		--manifest-path $(rust-manifest) --target-dir $(rust-target-dir) -p $(rust-crate)

# ld -r -u <roots>, not --whole-archive: the archive's compiler_builtins is
# PIC and hard-float, and only the members the roots need may come in.
# .eh_frame survives LTO from std's bitcode; the kernel wants none.
# .btf_ids.keep only keeps kfuncs alive under --gc-sections, which a module
# link never does; modpost would warn about it.
# The last step refuses relocations the x86-64 module loader cannot apply
# (it would say "Unknown rela relocation" at load time).
quiet_cmd_rust_object = LD [R]  $@
      cmd_rust_object = $(LD) -r $(addprefix -u ,$(rust-undefined)) -o $@ $(rust-lib) && \
	$(OBJCOPY) --remove-section=.eh_frame --remove-section=.rela.eh_frame \
		--remove-section=.btf_ids.keep --remove-section=.rela.btf_ids.keep $@ && \
	{ bad=$$($(READELF) -rW $@ | awk '$$3 ~ /^R_X86_64_/ && $$3 !~ /^R_X86_64_(NONE|64|32|32S|PC32|PLT32|PC64)$$/ {print $$3}' | sort -u); \
	  if [ -n "$$bad" ]; then echo "btf-ids-rust.mk: $@ has relocations the module loader refuses: $$bad (build with -Crelocation-model=static)" >&2; rm -f $@; exit 1; fi; }

$(rust-lib): FORCE
	$(call cmd,rust_staticlib)

$(obj)/$(rust-object): $(rust-lib) FORCE
	$(call if_changed,rust_object)

targets += $(rust-object)
