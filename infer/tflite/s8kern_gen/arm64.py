# Generates ../s8kern_arm64.s (int8 kernels, GOARCH=arm64): python3 arm64.py
# NEON instructions Go's assembler lacks are WORD-encoded with llvm-mc
# (Debian llvm), so the comment on each WORD is the instruction it encodes.
import os
import subprocess, re
_cache = {}
def enc(ins):
    if ins not in _cache:
        r = subprocess.run(["llvm-mc", "--triple=aarch64", "-mattr=+dotprod", "--show-encoding"],
                           input=ins + "\n", capture_output=True, text=True, check=True)
        m = re.search(r"encoding: \[(0x..),(0x..),(0x..),(0x..)\]", r.stdout)
        b = [int(x, 16) for x in m.groups()]
        _cache[ins] = b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24
    return _cache[ins]

out = []
def e(s=""): out.append(s)
def W(ins): e(f"\tWORD ${enc(ins):#010x} // {ins}")

e("//go:build !purego")
e()
e("// int8 kernels for arm64: gemmS8 micro-kernels (SDOT where the CPU has")
e("// the dot-product extension, else SMULL + SADALP, exact for all int8")
e("// inputs), requantization and depthwise taps in NEON. Instructions Go's")
e("// assembler does not know are WORD-encoded (the comment gives the")
e("// instruction). The Go wrappers in s8kern_arm64.go check every slice bound")
e("// and only pass whole 16-column panels.")
e()
e('#include "textflag.h"')
e()

def prologue(name, quant=False):
    if quant:
        e(f"// func {name}(a *int8, lda, rows int, w *int8, kg, kt int, out *int8, ldo int, bias *int32, scale *float32, zp int32, flo, fhi float32)")
        e("// The same tiles as the int32 kernel, requantized in registers as")
        e("// requantFP32Go does; one whole 16-column panel.")
        e(f"TEXT ·{name}(SB), NOSPLIT, $0-92")
    else:
        e(f"// func {name}(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int)")
        e(f"TEXT ·{name}(SB), NOSPLIT, $0-64")
    e("\tMOVD a+0(FP), R0")
    e("\tMOVD lda+8(FP), R1")
    e("\tMOVD rows+16(FP), R2")
    e("\tMOVD w+24(FP), R3")
    e("\tMOVD kg+32(FP), R4")
    e("\tMOVD kt+40(FP), R5")
    if quant:
        e("\tMOVD out+48(FP), R6")
        e("\tMOVD ldo+56(FP), R7")
        e("\tMOVWU zp+80(FP), R19")
        e("\tVDUP R19, V30.S4")
        e("\tMOVWU flo+84(FP), R19")
        e("\tVDUP R19, V28.S4")
        e("\tMOVWU fhi+88(FP), R19")
        e("\tVDUP R19, V29.S4")
    else:
        e("\tMOVD c+48(FP), R6")
        e("\tMOVD ldc+56(FP), R7")
        e("\tLSL $2, R7, R7")
    e("\t// Tail group: the 4 bytes ending at column k-1 (offset kt-4 past the")
    e("\t// full groups), shifted right by 8·(4-kt); the padding weights are 0.")
    e("\tSUB $4, R5, R20")
    e("\tMOVD $4, R21")
    e("\tSUB R5, R21, R21")
    e("\tLSL $3, R21, R21")

def quant_row(res, t1, t2, crow):
    # res: 4 V numbers holding 16 int32 columns; bias in V16-V19, scale in
    # V20-V23, flo V28, fhi V29, zp V30.
    for q, v in enumerate(res):
        W(f"add v{v}.4s, v{v}.4s, v{16+q}.4s")
        W(f"scvtf v{v}.4s, v{v}.4s")
        W(f"fmul v{v}.4s, v{v}.4s, v{20+q}.4s")
        W(f"fmax v{v}.4s, v{v}.4s, v28.4s")
        W(f"fmin v{v}.4s, v{v}.4s, v29.4s")
        W(f"fcvtns v{v}.4s, v{v}.4s")
        W(f"add v{v}.4s, v{v}.4s, v30.4s")
    W(f"sqxtn v{t1}.4h, v{res[0]}.4s")
    W(f"sqxtn2 v{t1}.8h, v{res[1]}.4s")
    W(f"sqxtn v{t2}.4h, v{res[2]}.4s")
    W(f"sqxtn2 v{t2}.8h, v{res[3]}.4s")
    W(f"sqxtn v{t1}.8b, v{t1}.8h")
    W(f"sqxtn2 v{t1}.16b, v{t2}.8h")
    e(f"\tVST1 [V{t1}.B16], ({crow})")

def load_bias_scale():
    e("\tMOVD bias+64(FP), R19")
    e("\tVLD1 (R19), [V16.S4, V17.S4, V18.S4, V19.S4]")
    e("\tMOVD scale+72(FP), R19")
    e("\tVLD1 (R19), [V20.S4, V21.S4, V22.S4, V23.S4]")

ROWP = ["R8", "R9", "R10", "R11"]
CROW = ["R14", "R15", "R16", "R17"]

def rowsetup(mr):
    e("\tMOVD R0, R8")
    for r in range(1, mr):
        e(f"\tADD R1, {ROWP[r-1]}, {ROWP[r]}")
    e("\tMOVD R3, R12")

def advance(name, L, mr):
    e("\tMOVD R6, R14")
    for r in range(1, mr):
        e(f"\tADD R7, {CROW[r-1]}, {CROW[r]}")

def epilogue_adv(L, mr):
    e(f"\tMOVD ${mr}, R19")
    e("\tMUL R1, R19, R24")
    e("\tADD R24, R0, R0")
    e("\tMUL R7, R19, R24")
    e("\tADD R24, R6, R6")
    e(f"\tSUB ${mr}, R2, R2")
    e(f"\tB {L}_loop")
    e(f"{L}_done:")

# ---------- SDOT ----------
def sdot_kernel(name, quant=False):
    prologue(name, quant)
    e("\tLSR $2, R4, R22 // groups of 4 groups (16 k)")
    e("\tAND $3, R4, R23 // single groups left")
    for mr in [4, 1]:
        L = f"{name}_m{mr}"
        e(f"{L}_loop:")
        e(f"\tCMP ${mr}, R2")
        e(f"\tBLT {L}_done")
        for i in range(4*mr):
            e(f"\tVEOR V{i}.B16, V{i}.B16, V{i}.B16")
        rowsetup(mr)
        e(f"\tCBZ R22, {L}_g1")
        e("\tMOVD R22, R13")
        e(f"{L}_k16:")
        for r in range(mr):
            e(f"\tVLD1.P 16({ROWP[r]}), [V{16+r}.B16]")
        for g in range(4):
            e("\tVLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]")
            for r in range(mr):
                for q in range(4):
                    W(f"sdot v{4*r+q}.4s, v{20+q}.16b, v{16+r}.4b[{g}]")
        e("\tSUB $1, R13, R13")
        e(f"\tCBNZ R13, {L}_k16")
        e(f"{L}_g1:")
        e(f"\tCBZ R23, {L}_tail")
        e("\tMOVD R23, R13")
        e(f"{L}_k4:")
        for r in range(mr):
            e(f"\tVLD1R.P 4({ROWP[r]}), [V{16+r}.S4]")
        e("\tVLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]")
        for r in range(mr):
            for q in range(4):
                W(f"sdot v{4*r+q}.4s, v{20+q}.16b, v{16+r}.4b[0]")
        e("\tSUB $1, R13, R13")
        e(f"\tCBNZ R13, {L}_k4")
        e(f"{L}_tail:")
        e(f"\tCBZ R5, {L}_store")
        for r in range(mr):
            e(f"\tMOVWU ({ROWP[r]})(R20), R19")
            e("\tLSRW R21, R19, R19")
            e(f"\tVDUP R19, V{16+r}.S4")
        e("\tVLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]")
        for r in range(mr):
            for q in range(4):
                W(f"sdot v{4*r+q}.4s, v{20+q}.16b, v{16+r}.4b[0]")
        e(f"{L}_store:")
        advance(name, L, mr)
        if quant:
            load_bias_scale()
            for r in range(mr):
                b = 4*r
                quant_row([b, b+1, b+2, b+3], 24, 25, CROW[r])
        else:
            for r in range(mr):
                b = 4*r
                e(f"\tVST1 [V{b}.S4, V{b+1}.S4, V{b+2}.S4, V{b+3}.S4], ({CROW[r]})")
        epilogue_adv(L, mr)
    e("\tRET")
    e()

# ---------- SMULL + SADALP ----------
def smull_kernel(name, quant=False):
    prologue(name, quant)
    for mr in [2, 1]:
        L = f"{name}_m{mr}"
        e(f"{L}_loop:")
        e(f"\tCMP ${mr}, R2")
        e(f"\tBLT {L}_done")
        for i in range(8*mr):
            e(f"\tVEOR V{i}.B16, V{i}.B16, V{i}.B16")
        rowsetup(mr)
        def body():
            e("\tVLD1.P 64(R12), [V16.B16, V17.B16, V18.B16, V19.B16]")
            i = 0
            for r in range(mr):
                for q in range(4):
                    t0, t1 = (22, 23) if i % 2 == 0 else (24, 25)
                    i += 1
                    W(f"smull v{t0}.8h, v{16+q}.8b, v{20+r}.8b")
                    W(f"smull2 v{t1}.8h, v{16+q}.16b, v{20+r}.16b")
                    W(f"sadalp v{8*r+2*q}.4s, v{t0}.8h")
                    W(f"sadalp v{8*r+2*q+1}.4s, v{t1}.8h")
        e(f"\tCBZ R4, {L}_tail")
        e("\tMOVD R4, R13")
        e(f"{L}_k4:")
        for r in range(mr):
            e(f"\tVLD1R.P 4({ROWP[r]}), [V{20+r}.S4]")
        body()
        e("\tSUB $1, R13, R13")
        e(f"\tCBNZ R13, {L}_k4")
        e(f"{L}_tail:")
        e(f"\tCBZ R5, {L}_store")
        for r in range(mr):
            e(f"\tMOVWU ({ROWP[r]})(R20), R19")
            e("\tLSRW R21, R19, R19")
            e(f"\tVDUP R19, V{20+r}.S4")
        body()
        e(f"{L}_store:")
        advance(name, L, mr)
        if quant:
            load_bias_scale()
        # Lanes hold (k0+k1, k2+k3) per column: pairwise add.
        for r in range(mr):
            for q in range(4):
                W(f"addp v{24+q}.4s, v{8*r+2*q}.4s, v{8*r+2*q+1}.4s")
            if quant:
                quant_row([24, 25, 26, 27], 8*r, 8*r+1, CROW[r])
            else:
                e(f"\tVST1 [V24.S4, V25.S4, V26.S4, V27.S4], ({CROW[r]})")
        epilogue_adv(L, mr)
    e("\tRET")
    e()

sdot_kernel("s8SdotX1")
smull_kernel("s8SmullX1")
sdot_kernel("s8SdotX1Q", quant=True)
smull_kernel("s8SmullX1Q", quant=True)

e("// func s8RequantFP32NEON(acc, bias *int32, scale *float32, out *int8, n int, zp int32, flo, fhi float32)")
e("// n is a multiple of 8. Same operations as requantFP32Go; FCVTNS rounds")
e("// to nearest with ties to even; the narrowing cannot saturate since the")
e("// values are already in [lo, hi].")
e("TEXT ·s8RequantFP32NEON(SB), NOSPLIT, $0-52")
e("\tMOVD acc+0(FP), R0")
e("\tMOVD bias+8(FP), R1")
e("\tMOVD scale+16(FP), R2")
e("\tMOVD out+24(FP), R3")
e("\tMOVD n+32(FP), R4")
e("\tLSR $3, R4, R4")
e("\tCBZ R4, rq_done")
e("\tMOVWU zp+40(FP), R5")
e("\tVDUP R5, V29.S4")
e("\tMOVWU flo+44(FP), R5")
e("\tVDUP R5, V30.S4")
e("\tMOVWU fhi+48(FP), R5")
e("\tVDUP R5, V31.S4")
e("rq_loop:")
e("\tVLD1.P 32(R0), [V0.S4, V1.S4]")
e("\tVLD1.P 32(R1), [V2.S4, V3.S4]")
e("\tVLD1.P 32(R2), [V4.S4, V5.S4]")
for i in (0, 1):
    W(f"add v{i}.4s, v{i}.4s, v{i+2}.4s")
    W(f"scvtf v{i}.4s, v{i}.4s")
    W(f"fmul v{i}.4s, v{i}.4s, v{i+4}.4s")
    W(f"fmax v{i}.4s, v{i}.4s, v30.4s")
    W(f"fmin v{i}.4s, v{i}.4s, v31.4s")
    W(f"fcvtns v{i}.4s, v{i}.4s")
    W(f"add v{i}.4s, v{i}.4s, v29.4s")
W("sqxtn v0.4h, v0.4s")
W("sqxtn2 v0.8h, v1.4s")
W("sqxtn v0.8b, v0.8h")
e("\tVST1.P [V0.B8], 8(R3)")
e("\tSUB $1, R4, R4")
e("\tCBNZ R4, rq_loop")
e("rq_done:")
e("\tRET")
e()

e("// func s8DwTapNEON(acc *int32, p, w *int8, n, c16, c, pstride int)")
e("// Adds p·w to acc for the first c16 (a multiple of 16) of c channels of n")
e("// pixels: SMULL to int16 (exact: |product| ≤ 2^14), SADDW to int32. Each")
e("// 16-channel block's weights stay in a register across the n pixels.")
e("TEXT ·s8DwTapNEON(SB), NOSPLIT, $0-56")
e("\tMOVD acc+0(FP), R0")
e("\tMOVD p+8(FP), R1")
e("\tMOVD w+16(FP), R2")
e("\tMOVD n+24(FP), R3")
e("\tMOVD c16+32(FP), R4")
e("\tMOVD c+40(FP), R5")
e("\tLSL $2, R5, R5")
e("\tMOVD pstride+48(FP), R6")
e("\tLSR $4, R4, R4")
e("\tCBZ R4, dw_done")
e("\tCBZ R3, dw_done")
e("dw_block:")
e("\tVLD1.P 16(R2), [V1.B16]")
e("\tMOVD R1, R7")
e("\tMOVD R0, R8")
e("\tMOVD R3, R9")
e("dw_pixel:")
e("\tVLD1 (R7), [V0.B16]")
W("smull v2.8h, v0.8b, v1.8b")
W("smull2 v3.8h, v0.16b, v1.16b")
e("\tVLD1 (R8), [V4.S4, V5.S4, V6.S4, V7.S4]")
W("saddw v4.4s, v4.4s, v2.4h")
W("saddw2 v5.4s, v5.4s, v2.8h")
W("saddw v6.4s, v6.4s, v3.4h")
W("saddw2 v7.4s, v7.4s, v3.8h")
e("\tVST1 [V4.S4, V5.S4, V6.S4, V7.S4], (R8)")
e("\tADD R6, R7, R7")
e("\tADD R5, R8, R8")
e("\tSUB $1, R9, R9")
e("\tCBNZ R9, dw_pixel")
e("\tADD $16, R1, R1")
e("\tADD $64, R0, R0")
e("\tSUB $1, R4, R4")
e("\tCBNZ R4, dw_block")
e("dw_done:")
e("\tRET")

open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "s8kern_arm64.s"), "w").write("\n".join(out) + "\n")
