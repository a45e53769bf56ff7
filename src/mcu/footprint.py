#!/usr/bin/env python3
"""footprint.py — rill's footprint on Cortex-M (make mcu-size).

    footprint.py BUILD_DIR VARIANT... -- RUN_OUTPUT...

Code: for each VARIANT, the demo firmware is linked twice, with rill
(demo.elf) and with the rill calls replaced by stubs (demo_base.elf); the
difference of their flash text is what rill adds. The map file of demo.elf
gives the same code per rill object, and the libgcc/libc helpers that only
the rill build pulls in. Startup, semihosting and printing are in both links,
so they are not counted; the model bytes are in both too.

RAM and time: the `footprint ...` lines that footprint.cpp printed under QEMU
(RUN_OUTPUT files, named footprint-VARIANT-MODEL.txt): the arena
rill_model_memory asks for and the stack high-water marks, painted and
scanned. field_ticks is SysTick ticks under `-icount shift=0`, turned into
instructions with cal_ticks (the ticks of a 40,000-instruction loop): an
instruction count, not a cycle count (QEMU is not cycle accurate).
"""
import os
import re
import subprocess
import sys


def section_sizes(map_path):
    """{(file, section): size} of the input sections the linker kept (flash and RAM)."""
    kept = {}
    with open(map_path) as f:
        lines = f.read().split("\n")
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith("Linker script and memory map"))
    except StopIteration:
        return kept
    pending = None
    one = re.compile(r"^ (\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    two = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    for line in lines[start:]:
        m = one.match(line)
        if m:
            kept[(m.group(4), m.group(1))] = kept.get((m.group(4), m.group(1)), 0) + int(m.group(3), 16)
            pending = None
            continue
        if pending is not None:
            m = two.match(line)
            if m:
                kept[(m.group(3), pending)] = kept.get((m.group(3), pending), 0) + int(m.group(2), 16)
            pending = None
            continue
        m = re.match(r"^ (\.\S+)\s*$", line)
        if m:
            pending = m.group(1)
    return kept


def is_flash(section):
    return section.startswith((".text", ".rodata", ".srodata", ".ARM.exidx", ".data", ".sdata"))


def owner(path):
    """librill.a(mlp.o) -> rill:mlp; .../libgcc.a(_arm_addsubdf3.o) -> libgcc; others by file name."""
    m = re.search(r"([^/]+)\.a\(([^)]+)\)$", path)
    if m:
        lib, obj = m.group(1), m.group(2)
        if lib == "librill":
            return "rill:" + obj[:-2]
        return lib
    return os.path.basename(path)


def elf_text(elf):
    tool = "riscv64-unknown-elf-size" if os.path.basename(os.path.dirname(elf)).startswith("rv") else "arm-none-eabi-size"
    out = subprocess.run([tool, "-A", elf], capture_output=True, text=True, check=True).stdout
    total = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].startswith((".text", ".ARM.exidx", ".data", ".rodata", ".srodata", ".sdata")):
            total += int(parts[1])
    return total


def kept_code(map_path, base_sections):
    """(rill bytes, {object: bytes}, helper bytes, helper names) kept in one firmware's map."""
    kept = section_sizes(map_path)
    rill = helpers = 0
    objs = {}
    names = set()
    for (f, s), size in kept.items():
        if not is_flash(s) or size == 0:
            continue
        o = owner(f)
        if o.startswith("rill:"):
            rill += size
            objs[o[5:]] = objs.get(o[5:], 0) + size
        elif o in ("libgcc", "libc_nano", "libc", "libm", "libc_picolibc") and (o, s) not in base_sections:
            helpers += size
            m = re.search(r"\(([^)]+)\.o\)$", f)
            names.add(m.group(1) if m else o)
    return rill, objs, helpers, sorted(names)


def code_table(build, variants):
    rows = []
    per_object = {}
    for v in variants:
        d = os.path.join(build, "mcu", v)
        demo, base, bare = (os.path.join(d, n + ".elf") for n in ("demo", "demo_base", "bare"))
        if not (os.path.exists(demo) and os.path.exists(base)):
            continue
        base_sections = {(owner(f), s) for (f, s) in section_sizes(os.path.join(d, "demo_base.map"))}
        delta = elf_text(demo) - elf_text(base)
        rill, objs, helpers, names = kept_code(os.path.join(d, "demo.map"), base_sections)
        bare_rill = bare_helpers = None
        if os.path.exists(bare):
            bare_rill, bare_objs, bare_helpers, _ = kept_code(os.path.join(d, "bare.map"), base_sections)
            per_object[v + " bare"] = bare_objs
        rows.append((v, delta, rill, helpers, names, bare_rill, bare_helpers))
        per_object[v] = objs
    return rows, per_object


LOADER_OBJECTS = ("model_io", "safetensors_header", "decimal", "model_meta")


COMPILED_RUNS = (("compiled", "lean", "F32"), ("compiled_placed", "placed", "F32"), ("compiled_i8", "lean", "I8"),
                 ("compiled_i8_placed", "placed", "I8"))


def model_flash(elf):
    """Bytes of the compiled model in an elf: the struct and its arrays (compiled_model, compiled_model_*)."""
    tool = "riscv64-unknown-elf-nm" if os.path.basename(os.path.dirname(elf)).startswith("rv") else "arm-none-eabi-nm"
    out = subprocess.run([tool, "-S", "-C", elf], capture_output=True, text=True, check=True).stdout
    total = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and re.fullmatch(r"compiled_model(_[wbs]\d+)?", parts[3]):
            total += int(parts[1], 16)
    return total


def compiled_table(build, variants):
    """compiled*.elf: the demo's model (and its I8 conversion) compiled (rill export-c --compiled), sampled
    through the lean path (rill_compiled_check + rill_compiled_sample_silu) and placed (rill_model_init_compiled
    + rill_sample); code from their map files, RAM and set-up stack from their QEMU output."""
    out = ["", "Compiled models (`rill export-c --compiled`, batch 1, heun 10 steps; compiled*.elf, their samples =",
           "their file's): `lean` = rill_compiled_check + NAME_sample() (rill_compiled_sample_silu: scratch from the",
           "caller), `placed` = rill_model_init_compiled + rill_sample (chunk 1: arena). Code from the map file (rill",
           "objects kept + libgcc/libc helpers only rill needs); RAM = scratch or arena + sampling stack (QEMU, painted",
           "stack); flash = the struct and its arrays. `loader` lists any loader object the linker kept (must be none).",
           "", "| target | path | weights | code | of which helpers | set-up stack | sampling stack | scratch or arena "
           "| RAM to sample | model flash | loader |", "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    per_object = {}
    for v in variants:
        d = os.path.join(build, "mcu", v)
        base_map = os.path.join(d, "demo_base.map")
        for run, path, dtype in COMPILED_RUNS:
            cmap, ctxt, elf = (os.path.join(d, run + ext) for ext in (".map", ".txt", ".elf"))
            if not (os.path.exists(base_map) and os.path.exists(cmap)):
                continue
            base_sections = {(owner(f), s) for (f, s) in section_sizes(base_map)}
            rill, objs, helpers, _ = kept_code(cmap, base_sections)
            loader = [o for o in objs if o in LOADER_OBJECTS]
            ram = {}
            if os.path.exists(ctxt):
                with open(ctxt) as f:
                    for line in f:
                        if line.startswith("compiled "):
                            parts = line.split()[1:]
                            ram = {parts[i]: int(parts[i + 1]) for i in range(0, len(parts) - 1, 2)}
            a, si, ss = ram.get("arena", 0), ram.get("stack_init", 0), ram.get("stack_sample", 0)
            out.append(f"| {v} | {path} | {dtype} | {rill + helpers} B | {helpers} B | {si} B | {ss} B | {a} B "
                       f"| {a + ss} B | {model_flash(elf)} B | {', '.join(loader) if loader else 'none'} |")
            if v == "m4f" and dtype == "F32":
                per_object[path] = objs
    for path, objs in per_object.items():
        out += ["", f"Per rill object (m4f, compiled model, {path}: what the linker keeps):", "", "| object | bytes |",
                "| --- | ---: |"]
        out += [f"| {n}.o | {b} |" for n, b in sorted(objs.items(), key=lambda kv: -kv[1])]
    return out


def flash_table(build):
    """flash.txt (mk/mcu.mk: `dataset dtype bytes`): each shipped model compiled in each dtype."""
    path = os.path.join(build, "mcu", "flash.txt")
    if not os.path.exists(path):
        return []
    sizes, datasets = {}, []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                sizes[(parts[0], parts[1])] = int(parts[2])
                if parts[0] not in datasets:
                    datasets.append(parts[0])
    dtypes = ("f32", "f16", "bf16", "i8")
    out = ["", "Flash of each shipped model compiled (`rill convert --dtype DT`, then `rill export-c --compiled`;",
           "the struct and its arrays in an M4F object, `arm-none-eabi-size`):", "",
           "| model | " + " | ".join(d.upper() for d in dtypes) + " |", "| --- |" + " ---: |" * len(dtypes)]
    for ds in datasets:
        out.append(f"| {ds} | " + " | ".join(f"{sizes[(ds, d)]:,} B" if (ds, d) in sizes else "-" for d in dtypes) + " |")
    return out


def parse_runs(files):
    runs = []
    for path in files:
        m = re.match(r"footprint-([^-]+)-(.+)\.txt$", os.path.basename(path))
        if not m:
            continue
        with open(path) as f:
            for line in f:
                if line.startswith("footprint "):
                    kv = dict(p.split("=", 1) for p in line.split()[1:])
                    runs.append((m.group(1), m.group(2), {k: int(v) for k, v in kv.items()}))
    return runs


def main():
    args = sys.argv[1:]
    if "--" not in args or len(args) < 2:
        print(__doc__)
        return 2
    cut = args.index("--")
    build, variants, run_files = args[0], args[1:cut], args[cut + 1:]
    out = []
    rows, per_object = code_table(build, variants)
    out.append("Code (flash) rill adds to a firmware that samples, -Os. `C API`: the demo (rill_model_memory,")
    out.append("rill_model_init, rill_sample), i.e. loader + sampling; measured by linking it with and without")
    out.append("the rill calls (difference), and by summing the rill objects the linker kept (map file).")
    out.append("`sampling only`: bare.cpp, the C++ API bound to the weights without the loader (map file).")
    out.append("")
    out.append("| target | C API: code added | of which rill objects | libgcc/libc helpers only rill needs | sampling only (no loader) |")
    out.append("| --- | ---: | ---: | --- | ---: |")
    for v, delta, rill, helpers, names, bare_rill, bare_helpers in rows:
        shown = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
        bare = f"{bare_rill + bare_helpers} B" if bare_rill is not None else "-"
        out.append(f"| {v} | {delta} B | {rill} B | {helpers} B ({shown}) | {bare} |")
    for key in ("m4f", "m4f bare"):
        if key in per_object:
            out.append("")
            out.append(f"Per rill object ({key}, what the linker keeps):")
            out.append("")
            out.append("| object | bytes |")
            out.append("| --- | ---: |")
            for name, size in sorted(per_object[key].items(), key=lambda kv: -kv[1]):
                out.append(f"| {name}.o | {size} |")
    out.extend(compiled_table(build, variants))
    out.extend(flash_table(build))
    runs = parse_runs(run_files)
    if runs:
        out.append("")
        out.append("RAM and time per model (QEMU; heun, 10 steps; arena = rill_model_memory; stacks painted;")
        out.append("instructions per point: SysTick (Cortex-M) or minstret (RISC-V) under -icount shift=0, calibrated on a")
        out.append("40,000-instruction loop;")
        out.append("QEMU counts instructions, not cycles):")
        out.append("")
        out.append("| target | model | flash (model) | n | chunk | arena | stack: init | stack: sample | RAM to sample (arena + sample stack) | peak RAM (arena + init stack) | instructions / point / field eval |")
        out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for v, model, r in runs:
            per_point = r["field_ticks"] * 40000 // max(r.get("cal_ticks", 1000), 1) // max(r["n"], 1)
            out.append(
                f"| {v} | {model} | {r['flash_model']} B | {r['n']} | {r['chunk']} | {r['arena']} B | {r['stack_init']} B "
                f"| {r['stack_sample']} B | {r['arena'] + r['stack_sample']} B | {r['arena'] + r['stack_init']} B | {per_point} |"
            )
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(build, "mcu", "footprint.md"), "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
