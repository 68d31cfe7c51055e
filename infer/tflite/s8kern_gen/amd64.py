# Generates ../s8kern_amd64.s (int8 kernels, GOARCH=amd64): python3 amd64.py
import os
# Generates infer/tflite/s8kern_amd64.s (int8 kernels, amd64).
out = []
def e(s=""): out.append(s)

e("//go:build !purego")
e()
e("// int8 kernels for amd64: gemmS8 micro-kernels (AVX-512 VNNI, AVX-VNNI, AVX2)")
e("// and AVX2 requantization and depthwise taps. The Go wrappers in")
e("// s8kern_amd64.go check every slice bound before calling these.")
e()
e('#include "textflag.h"')
e()

# ---------------- AVX-512 VNNI ----------------
def vnni512(name, npan, mr_list, quant=False):
    # args: a+0 lda+8 rows+16 w+24 pstride+32 corr+40 kg+48 kt+56 c+64 ldc+72 mask+80
    # quant: out+64 ldo+72, then bias+88 scale+96 zp+104 flo+108 fhi+112
    if quant:
        e(f"// func {name}(a *int8, lda, rows int, w *int8, pstride int, corr *int32, kg, kt int, out *int8, ldo int, mask uint64, bias *int32, scale *float32, zp int32, flo, fhi float32)")
        e("// The same tiles as the int32 kernel, requantized in registers as")
        e("// requantFP32Go does (the last panel's bias and scale through the mask).")
        e(f"TEXT ·{name}(SB), NOSPLIT, $0-116")
    else:
        e(f"// func {name}(a *int8, lda, rows int, w *int8, pstride int, corr *int32, kg, kt int, c *int32, ldc int, mask uint64)")
        e(f"TEXT ·{name}(SB), NOSPLIT, $0-88")
    e("\tMOVQ a+0(FP), SI")
    e("\tMOVQ lda+8(FP), BX")
    e("\tMOVQ rows+16(FP), R11")
    e("\tMOVQ pstride+32(FP), DX")
    if quant:
        e("\tMOVQ out+64(FP), R10")
        e("\tMOVQ ldo+72(FP), R12")
    else:
        e("\tMOVQ c+64(FP), R10")
        e("\tMOVQ ldc+72(FP), R12")
        e("\tSHLQ $2, R12")
    e("\tMOVQ mask+80(FP), AX")
    e("\tKMOVW AX, K1")
    e("\tMOVL $0x80808080, AX")
    e("\tVPBROADCASTD AX, Z29")
    e("\t// Tail group: load the row's last 4 bytes (at kt-4 past the full")
    e("\t// groups) and shift the kt wanted bytes down; the padding weights are 0.")
    e("\tMOVQ kt+56(FP), R13")
    e("\tMOVQ $4, CX")
    e("\tSUBQ R13, CX")
    e("\tSHLQ $3, CX")
    e("\tSUBQ $4, R13")
    rowaddr = ["(AX)", "(AX)(BX*1)", "(AX)(BX*2)", "(R8)", "(R8)(BX*1)", "(R8)(BX*2)"]
    caddr = ["(R10)", "(R10)(R12*1)", "(R10)(R12*2)", "(R9)", "(R9)(R12*1)", "(R9)(R12*2)"]
    waddr = ["(R9)", "(R9)(DX*1)", "(R9)(DX*2)", "(R15)"]
    for mr in mr_list:
        L = f"{name}_m{mr}"
        e(f"{L}_loop:")
        e(f"\tCMPQ R11, ${mr}")
        e(f"\tJLT {L}_done")
        e("\tMOVQ corr+40(FP), R9")
        for q in range(npan):
            e(f"\tVMOVDQU32 {q*64}(R9), Z{q}")
        for r in range(1, mr):
            for q in range(npan):
                e(f"\tVMOVDQA32 Z{q}, Z{r*npan+q}")
        e("\tMOVQ SI, AX")
        if mr > 3:
            e("\tLEAQ (SI)(BX*2), R8")
            e("\tADDQ BX, R8")
        e("\tMOVQ w+24(FP), R9")
        if npan > 3:
            e("\tLEAQ (R9)(DX*2), R15")
            e("\tADDQ DX, R15")
        e("\tMOVQ kg+48(FP), R14")
        e(f"{L}_k:")
        for q in range(npan):
            e(f"\tVMOVDQU32 {waddr[q]}, Z{24+q}")
        for r in range(mr):
            t = 28 if r % 2 == 0 else 30
            e(f"\tVPXORD.BCST {rowaddr[r]}, Z29, Z{t}")
            for q in range(npan):
                e(f"\tVPDPBUSD Z{24+q}, Z{t}, Z{r*npan+q}")
        e("\tADDQ $4, AX")
        if mr > 3:
            e("\tADDQ $4, R8")
        e("\tADDQ $64, R9")
        if npan > 3:
            e("\tADDQ $64, R15")
        e("\tDECQ R14")
        e(f"\tJNZ {L}_k")
        e("\tCMPQ CX, $32")
        e(f"\tJEQ {L}_store")
        e("\tADDQ R13, AX")
        if mr > 3:
            e("\tADDQ R13, R8")
        for q in range(npan):
            e(f"\tVMOVDQU32 {waddr[q]}, Z{24+q}")
        for r in range(mr):
            e(f"\tMOVL {rowaddr[r]}, R14")
            e("\tSHRL CX, R14")
            e("\tVPBROADCASTD R14, Z28")
            e("\tVPXORD Z29, Z28, Z28")
            for q in range(npan):
                e(f"\tVPDPBUSD Z{24+q}, Z28, Z{r*npan+q}")
        e(f"{L}_store:")
        if mr > 3:
            e("\tLEAQ (R10)(R12*2), R9")
            e("\tADDQ R12, R9")
        if quant:
            e("\tMOVQ bias+88(FP), R14")
            e("\tMOVQ scale+96(FP), R15")
            e("\tMOVL zp+104(FP), R8")
            e("\tVPBROADCASTD R8, Z26")
            e("\tVBROADCASTSS flo+108(FP), Z24")
            e("\tVBROADCASTSS fhi+112(FP), Z25")
            e(f"\tVMOVDQU32.Z {(npan-1)*64}(R14), K1, Z27")
            e(f"\tVMOVUPS.Z {(npan-1)*64}(R15), K1, Z28")
            for r in range(mr):
                base = caddr[r]
                for q in range(npan):
                    z = f"Z{r*npan+q}"
                    if q == npan-1:
                        e(f"\tVPADDD Z27, {z}, {z}")
                        e(f"\tVCVTDQ2PS {z}, {z}")
                        e(f"\tVMULPS Z28, {z}, {z}")
                    else:
                        e(f"\tVPADDD {q*64}(R14), {z}, {z}")
                        e(f"\tVCVTDQ2PS {z}, {z}")
                        e(f"\tVMULPS {q*64}(R15), {z}, {z}")
                    e(f"\tVMAXPS Z24, {z}, {z}")
                    e(f"\tVMINPS Z25, {z}, {z}")
                    e(f"\tVCVTPS2DQ {z}, {z}")
                    e(f"\tVPADDD Z26, {z}, {z}")
                    off = q*16
                    addr = (f"{off}" if off else "") + base
                    if q == npan-1:
                        e(f"\tVPMOVSDB {z}, K1, {addr}")
                    else:
                        e(f"\tVPMOVSDB {z}, {addr}")
        else:
          for r in range(mr):
            base = caddr[r]
            for q in range(npan):
                off = q*64
                addr = (f"{off}" if off else "") + base
                if q == npan-1:
                    e(f"\tVMOVDQU32 Z{r*npan+q}, K1, {addr}")
                else:
                    e(f"\tVMOVDQU32 Z{r*npan+q}, {addr}")
        # advance
        if mr == 1:
            e("\tADDQ R12, R10")
            e("\tADDQ BX, SI")
        else:
            e(f"\tMOVQ ${mr}, R9")
            e("\tIMULQ R12, R9")
            e("\tADDQ R9, R10")
            e(f"\tMOVQ ${mr}, R9")
            e("\tIMULQ BX, R9")
            e("\tADDQ R9, SI")
        e(f"\tSUBQ ${mr}, R11")
        e(f"\tJMP {L}_loop")
        e(f"{L}_done:")
    e("\tVZEROUPPER")
    e("\tRET")
    e()

vnni512("s8VNNI512x4", 4, [6, 1])
vnni512("s8VNNI512x1", 1, [6, 1])
vnni512("s8VNNI512x4Q", 4, [6, 1], quant=True)
vnni512("s8VNNI512x1Q", 1, [6, 1], quant=True)

# ---------------- AVX-VNNI (VEX, ymm) ----------------
# VEX-encoded VPDPBUSD ymm_d, ymm_s1(unsigned), ymm_s2(signed): Go's assembler
# only emits the EVEX form, which needs AVX512VL; encode by hand.
def vexdp(d, s1, s2):
    R = 0 if d >= 8 else 1
    B = 0 if s2 >= 8 else 1
    b1 = (R << 7) | (1 << 6) | (B << 5) | 0x02
    b2 = (((~s1) & 0xF) << 3) | (1 << 2) | 0x01
    modrm = 0xC0 | ((d & 7) << 3) | (s2 & 7)
    return f"\tBYTE $0xc4; BYTE ${b1:#04x}; BYTE ${b2:#04x}; BYTE $0x50; BYTE ${modrm:#04x} // VPDPBUSD Y{s2}, Y{s1}, Y{d} (VEX)"

def avxvnni(name):
    # args: a+0 lda+8 rows+16 w+24 corr+32 kg+40 kt+48 c+56 ldc+64 mask+72 (*[16]int32)
    e(f"// func {name}(a *int8, lda, rows int, w *int8, corr *int32, kg, kt int, c *int32, ldc int, mask *int32)")
    e(f"TEXT ·{name}(SB), NOSPLIT, $0-80")
    e("\tMOVQ a+0(FP), SI")
    e("\tMOVQ lda+8(FP), BX")
    e("\tMOVQ rows+16(FP), R11")
    e("\tMOVQ c+56(FP), R10")
    e("\tMOVQ ldc+64(FP), R12")
    e("\tSHLQ $2, R12")
    e("\tMOVL $0x80808080, AX")
    e("\tMOVQ AX, X15")
    e("\tVPBROADCASTD X15, Y15")
    e("\tMOVQ kt+48(FP), R13")
    e("\tMOVQ $4, CX")
    e("\tSUBQ R13, CX")
    e("\tSHLQ $3, CX")
    e("\tSUBQ $4, R13")
    rowaddr = ["(AX)", "(AX)(BX*1)", "(AX)(BX*2)", "(R8)", "(R8)(BX*1)", "(R8)(BX*2)"]
    caddr = ["(R10)", "(R10)(R12*1)", "(R10)(R12*2)", "(R9)", "(R9)(R12*1)", "(R9)(R12*2)"]
    for mr in [6, 1]:
        L = f"{name}_m{mr}"
        e(f"{L}_loop:")
        e(f"\tCMPQ R11, ${mr}")
        e(f"\tJLT {L}_done")
        e("\tMOVQ corr+32(FP), R9")
        e("\tVMOVDQU (R9), Y0")
        e("\tVMOVDQU 32(R9), Y1")
        for r in range(1, mr):
            e(f"\tVMOVDQA Y0, Y{2*r}")
            e(f"\tVMOVDQA Y1, Y{2*r+1}")
        e("\tMOVQ SI, AX")
        if mr > 3:
            e("\tLEAQ (SI)(BX*2), R8")
            e("\tADDQ BX, R8")
        e("\tMOVQ w+24(FP), R9")
        e("\tMOVQ kg+40(FP), R14")
        e(f"{L}_k:")
        e("\tVMOVDQU (R9), Y12")
        e("\tVMOVDQU 32(R9), Y13")
        for r in range(mr):
            e(f"\tVPBROADCASTD {rowaddr[r]}, Y14")
            e("\tVPXOR Y15, Y14, Y14")
            e(vexdp(2*r, 14, 12))
            e(vexdp(2*r+1, 14, 13))
        e("\tADDQ $4, AX")
        if mr > 3:
            e("\tADDQ $4, R8")
        e("\tADDQ $64, R9")
        e("\tDECQ R14")
        e(f"\tJNZ {L}_k")
        e("\tCMPQ CX, $32")
        e(f"\tJEQ {L}_store")
        e("\tADDQ R13, AX")
        if mr > 3:
            e("\tADDQ R13, R8")
        e("\tVMOVDQU (R9), Y12")
        e("\tVMOVDQU 32(R9), Y13")
        for r in range(mr):
            e(f"\tMOVL {rowaddr[r]}, R14")
            e("\tSHRL CX, R14")
            e("\tMOVQ R14, X14")
            e("\tVPBROADCASTD X14, Y14")
            e("\tVPXOR Y15, Y14, Y14")
            e(vexdp(2*r, 14, 12))
            e(vexdp(2*r+1, 14, 13))
        e(f"{L}_store:")
        e("\tMOVQ mask+72(FP), R9")
        e("\tVMOVDQU (R9), Y12")
        e("\tVMOVDQU 32(R9), Y13")
        if mr > 3:
            e("\tLEAQ (R10)(R12*2), R9")
            e("\tADDQ R12, R9")
        for r in range(mr):
            e(f"\tVPMASKMOVD Y{2*r}, Y12, {caddr[r]}")
            e(f"\tVPMASKMOVD Y{2*r+1}, Y13, 32{caddr[r]}")
        if mr == 1:
            e("\tADDQ R12, R10")
            e("\tADDQ BX, SI")
        else:
            e(f"\tMOVQ ${mr}, R9")
            e("\tIMULQ R12, R9")
            e("\tADDQ R9, R10")
            e(f"\tMOVQ ${mr}, R9")
            e("\tIMULQ BX, R9")
            e("\tADDQ R9, SI")
        e(f"\tSUBQ ${mr}, R11")
        e(f"\tJMP {L}_loop")
        e(f"{L}_done:")
    e("\tVZEROUPPER")
    e("\tRET")
    e()

avxvnni("s8AVXVNNIx1")

# ---------------- AVX2 (VPMOVSXBW + VPMADDWD, exact) ----------------
def avx2(name):
    # same args as avxvnni but corr unused (no offset trick): sums start at 0.
    e(f"// func {name}(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int, mask *int32)")
    e(f"TEXT ·{name}(SB), NOSPLIT, $0-72")
    e("\tMOVQ a+0(FP), SI")
    e("\tMOVQ lda+8(FP), BX")
    e("\tMOVQ rows+16(FP), R11")
    e("\tMOVQ c+48(FP), R10")
    e("\tMOVQ ldc+56(FP), R12")
    e("\tSHLQ $2, R12")
    e("\tMOVQ kt+40(FP), R13")
    e("\tMOVQ $4, CX")
    e("\tSUBQ R13, CX")
    e("\tSHLQ $3, CX")
    e("\tSUBQ $4, R13")
    rowaddr = ["(AX)", "(AX)(BX*1)"]
    caddr = ["(R10)", "(R10)(R12*1)"]
    # registers: acc Y0..Y7 (row r, quarter q -> Y(4r+q)), w Y8..Y11, a Y12, Y13, tmp Y14
    for mr in [2, 1]:
        L = f"{name}_m{mr}"
        e(f"{L}_loop:")
        e(f"\tCMPQ R11, ${mr}")
        e(f"\tJLT {L}_done")
        for i in range(4*mr):
            e(f"\tVPXOR Y{i}, Y{i}, Y{i}")
        e("\tMOVQ SI, AX")
        e("\tMOVQ w+24(FP), R9")
        e("\tMOVQ kg+32(FP), R14")
        def body(tail):
            for q in range(4):
                e(f"\tVPMOVSXBW {q*16}(R9), Y{8+q}")
            for r in range(mr):
                if tail:
                    e(f"\tMOVL {rowaddr[r]}, R14")
                    e("\tSHRL CX, R14")
                    e(f"\tMOVQ R14, X{12+r}")
                    e(f"\tVPBROADCASTD X{12+r}, X{12+r}")
                else:
                    e(f"\tVPBROADCASTD {rowaddr[r]}, X{12+r}")
                e(f"\tVPMOVSXBW X{12+r}, Y{12+r}")
            for r in range(mr):
                for q in range(4):
                    e(f"\tVPMADDWD Y{8+q}, Y{12+r}, Y14")
                    e(f"\tVPADDD Y14, Y{4*r+q}, Y{4*r+q}")
        e(f"{L}_k:")
        body(False)
        e("\tADDQ $4, AX")
        e("\tADDQ $64, R9")
        e("\tDECQ R14")
        e(f"\tJNZ {L}_k")
        e("\tCMPQ CX, $32")
        e(f"\tJEQ {L}_store")
        e("\tADDQ R13, AX")
        body(True)
        e(f"{L}_store:")
        # combine pairs: acc q holds cols 4q..4q+3 as (even, odd) partial sums;
        # lane 0 = cols 4q, 4q+1, lane 1 = cols 4q+2, 4q+3.
        e("\tMOVQ mask+64(FP), R9")
        e("\tVMOVDQU (R9), Y8")
        e("\tVMOVDQU 32(R9), Y9")
        for r in range(mr):
            b = 4*r
            e(f"\tVPHADDD Y{b+1}, Y{b}, Y{b}")
            e(f"\tVPERMQ $0xd8, Y{b}, Y{b}")
            e(f"\tVPHADDD Y{b+3}, Y{b+2}, Y{b+2}")
            e(f"\tVPERMQ $0xd8, Y{b+2}, Y{b+2}")
            e(f"\tVPMASKMOVD Y{b}, Y8, {caddr[r]}")
            e(f"\tVPMASKMOVD Y{b+2}, Y9, 32{caddr[r]}")
        if mr == 1:
            e("\tADDQ R12, R10")
            e("\tADDQ BX, SI")
        else:
            e("\tLEAQ (R10)(R12*2), R10")
            e("\tLEAQ (SI)(BX*2), SI")
        e(f"\tSUBQ ${mr}, R11")
        e(f"\tJMP {L}_loop")
        e(f"{L}_done:")
    e("\tVZEROUPPER")
    e("\tRET")
    e()

avx2("s8AVX2x1")


extra = r'''
// func s8RequantFP32AVX2(acc, bias *int32, scale *float32, out *int8, n int, zp int32, flo, fhi float32)
// n is a multiple of 8. Same operations as requantFP32Go: int32 add,
// convert to float32, multiply, clamp, round half to even (VCVTPS2DQ in the
// default rounding mode), add the zero point; the packs cannot saturate
// since the values are already in [lo, hi].
TEXT ·s8RequantFP32AVX2(SB), NOSPLIT, $0-52
	MOVQ acc+0(FP), AX
	MOVQ bias+8(FP), BX
	MOVQ scale+16(FP), CX
	MOVQ out+24(FP), DX
	MOVQ n+32(FP), SI
	SHRQ $3, SI
	JZ   rq_done
	MOVL zp+40(FP), R8
	MOVQ R8, X13
	VPBROADCASTD X13, Y13
	VBROADCASTSS flo+44(FP), Y14
	VBROADCASTSS fhi+48(FP), Y15
rq_loop:
	VMOVDQU (AX), Y0
	VPADDD (BX), Y0, Y0
	VCVTDQ2PS Y0, Y0
	VMULPS (CX), Y0, Y0
	VMAXPS Y14, Y0, Y0
	VMINPS Y15, Y0, Y0
	VCVTPS2DQ Y0, Y0
	VPADDD Y13, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW X1, X0, X0
	VPACKSSWB X0, X0, X0
	MOVQ X0, (DX)
	ADDQ $32, AX
	ADDQ $32, BX
	ADDQ $32, CX
	ADDQ $8, DX
	DECQ SI
	JNZ  rq_loop
	VZEROUPPER
rq_done:
	RET

// func s8DwTapAVX2(acc *int32, p, w *int8, n, c16, c, pstride int)
// Adds p·w to acc for the first c16 (a multiple of 16) of c channels of n
// pixels: sign-extend to int16, VPMULLW (exact: |product| ≤ 2^14),
// sign-extend to int32, add.
TEXT ·s8DwTapAVX2(SB), NOSPLIT, $0-56
	MOVQ acc+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ n+24(FP), R8
	MOVQ c16+32(FP), R9
	MOVQ c+40(FP), R10
	SHLQ $2, R10
	MOVQ pstride+48(FP), R11
	SHRQ $4, R9
	JZ   dw_done
	TESTQ R8, R8
	JZ   dw_done
dw_pixel:
	MOVQ w+16(FP), BX
	MOVQ SI, AX
	MOVQ DI, DX
	MOVQ R9, CX
dw_chan:
	VPMOVSXBW (AX), Y0
	VPMOVSXBW (BX), Y1
	VPMULLW Y1, Y0, Y0
	VPMOVSXWD X0, Y2
	VEXTRACTI128 $1, Y0, X0
	VPMOVSXWD X0, Y3
	VPADDD (DX), Y2, Y2
	VPADDD 32(DX), Y3, Y3
	VMOVDQU Y2, (DX)
	VMOVDQU Y3, 32(DX)
	ADDQ $16, AX
	ADDQ $16, BX
	ADDQ $64, DX
	DECQ CX
	JNZ  dw_chan
	ADDQ R11, SI
	ADDQ R10, DI
	DECQ R8
	JNZ  dw_pixel
	VZEROUPPER
dw_done:
	RET
'''
out.append(extra)

extra512 = r"""
// func s8RequantFP32AVX512(acc, bias *int32, scale *float32, out *int8, n int, zp int32, flo, fhi float32, tail uint64)
// requantFP32Go's operations on 16 lanes: n/16 full vectors, then the lanes
// set in tail (the n%16 last elements) through masked, fault-suppressing
// loads and stores. VPMOVSDB cannot saturate: the values are already in
// [lo, hi].
TEXT ·s8RequantFP32AVX512(SB), NOSPLIT, $0-64
	MOVQ acc+0(FP), AX
	MOVQ bias+8(FP), BX
	MOVQ scale+16(FP), CX
	MOVQ out+24(FP), DX
	MOVQ n+32(FP), SI
	MOVL zp+40(FP), R8
	VPBROADCASTD R8, Z13
	MOVL flo+44(FP), R8
	VPBROADCASTD R8, Z14
	MOVL fhi+48(FP), R8
	VPBROADCASTD R8, Z15
	MOVQ tail+56(FP), R8
	KMOVW R8, K1
	SHRQ $4, SI
	JZ   rq5_tail
rq5_loop:
	VMOVDQU32 (AX), Z0
	VPADDD (BX), Z0, Z0
	VCVTDQ2PS Z0, Z0
	VMULPS (CX), Z0, Z0
	VMAXPS Z14, Z0, Z0
	VMINPS Z15, Z0, Z0
	VCVTPS2DQ Z0, Z0
	VPADDD Z13, Z0, Z0
	VPMOVSDB Z0, (DX)
	ADDQ $64, AX
	ADDQ $64, BX
	ADDQ $64, CX
	ADDQ $16, DX
	DECQ SI
	JNZ  rq5_loop
rq5_tail:
	TESTQ R8, R8
	JZ   rq5_done
	VMOVDQU32.Z (AX), K1, Z0
	VMOVDQU32.Z (BX), K1, Z1
	VMOVUPS.Z (CX), K1, Z2
	VPADDD Z1, Z0, Z0
	VCVTDQ2PS Z0, Z0
	VMULPS Z2, Z0, Z0
	VMAXPS Z14, Z0, Z0
	VMINPS Z15, Z0, Z0
	VCVTPS2DQ Z0, Z0
	VPADDD Z13, Z0, Z0
	VPMOVSDB Z0, K1, (DX)
rq5_done:
	VZEROUPPER
	RET

// func s8DwTapAVX512(acc *int32, p, w *int8, n, c32, pstride int, tail uint64)
// dwS8TapGo on 32 channels at a time (VPMOVSXBW, VPMULLW: exact since
// |product| ≤ 2^14, VPMOVSXWD, VPADDD): for each of the c32 full blocks,
// then the channels set in tail (32 bits) through masked loads and stores,
// the block's weights stay in a register across the n pixels. acc rows are
// c = 32·c32 + popcount(tail) apart.
TEXT ·s8DwTapAVX512(SB), NOSPLIT, $0-56
	MOVQ acc+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ w+16(FP), BX
	MOVQ n+24(FP), R8
	MOVQ c32+32(FP), R9
	MOVQ pstride+40(FP), R11
	MOVQ tail+48(FP), R12
	KMOVD R12, K1
	KMOVW R12, K2
	MOVQ R12, R13
	SHRQ $16, R13
	KMOVW R13, K3
	// acc row stride in bytes: 4·(32·c32 + popcount(tail))
	POPCNTQ R12, R10
	MOVQ R9, R13
	SHLQ $5, R13
	ADDQ R13, R10
	SHLQ $2, R10
	TESTQ R8, R8
	JZ   dw5_done
	TESTQ R9, R9
	JZ   dw5_tail
dw5_block:
	VPMOVSXBW (BX), Z1
	MOVQ SI, AX
	MOVQ DI, DX
	MOVQ R8, CX
dw5_pix:
	VPMOVSXBW (AX), Z0
	VPMULLW Z1, Z0, Z0
	VPMOVSXWD Y0, Z2
	VEXTRACTI64X4 $1, Z0, Y0
	VPMOVSXWD Y0, Z3
	VPADDD (DX), Z2, Z2
	VPADDD 64(DX), Z3, Z3
	VMOVDQU32 Z2, (DX)
	VMOVDQU32 Z3, 64(DX)
	ADDQ R11, AX
	ADDQ R10, DX
	DECQ CX
	JNZ  dw5_pix
	ADDQ $32, BX
	ADDQ $32, SI
	ADDQ $128, DI
	DECQ R9
	JNZ  dw5_block
dw5_tail:
	TESTQ R12, R12
	JZ   dw5_done
	VPMOVSXBW.Z (BX), K1, Z1
	MOVQ SI, AX
	MOVQ DI, DX
	MOVQ R8, CX
dw5_tpix:
	VPMOVSXBW.Z (AX), K1, Z0
	VPMULLW Z1, Z0, Z0
	VPMOVSXWD Y0, Z2
	VEXTRACTI64X4 $1, Z0, Y0
	VPMOVSXWD Y0, Z3
	VMOVDQU32.Z (DX), K2, Z4
	VMOVDQU32.Z 64(DX), K3, Z5
	VPADDD Z4, Z2, Z2
	VPADDD Z5, Z3, Z3
	VMOVDQU32 Z2, K2, (DX)
	VMOVDQU32 Z3, K3, 64(DX)
	ADDQ R11, AX
	ADDQ R10, DX
	DECQ CX
	JNZ  dw5_tpix
dw5_done:
	VZEROUPPER
	RET
"""
extra512 += r"""
// func s8LutAVX512(out, x, lut *int8, n, c int, lanes *int32, tail uint64)
// lutS8Go with VPGATHERDD: lane l of a 16-channel block wants byte
// e = (j0+l)·256 + x+128 of lut; it reads the 4 bytes at e&^3 (inside the
// tables, whose size is a multiple of 4), shifts byte e&3 down and keeps it
// (VPMOVDB). lanes holds l·256. The last c%16 channels go through the tail
// mask (masked-off lanes read nothing).
TEXT ·s8LutAVX512(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DX
	MOVQ x+8(FP), AX
	MOVQ n+24(FP), SI
	MOVQ c+32(FP), R9
	MOVQ lanes+40(FP), R8
	VMOVDQU32 (R8), Z14
	MOVL $128, R8
	VPBROADCASTD R8, Z15
	MOVL $3, R8
	VPBROADCASTD R8, Z13
	MOVQ tail+48(FP), R10
	KMOVW R10, K1
	SHRQ $4, R9
	TESTQ SI, SI
	JZ   lut5_done
lut5_pixel:
	MOVQ lut+16(FP), BX
	MOVQ R9, CX
	TESTQ CX, CX
	JZ   lut5_tail
lut5_chan:
	VPMOVSXBD (AX), Z0
	VPADDD Z15, Z0, Z0
	VPADDD Z14, Z0, Z0
	VPANDD Z13, Z0, Z2
	VPSLLD $3, Z2, Z2
	VPANDND Z0, Z13, Z0
	KXNORW K0, K0, K2
	VPXORD Z1, Z1, Z1
	VPGATHERDD (BX)(Z0*1), K2, Z1
	VPSRLVD Z2, Z1, Z1
	VPMOVDB Z1, (DX)
	ADDQ $16, AX
	ADDQ $16, DX
	ADDQ $4096, BX
	DECQ CX
	JNZ  lut5_chan
lut5_tail:
	TESTQ R10, R10
	JZ   lut5_next
	VPMOVSXBD.Z (AX), K1, Z0
	VPADDD Z15, Z0, Z0
	VPADDD Z14, Z0, Z0
	VPANDD Z13, Z0, Z2
	VPSLLD $3, Z2, Z2
	VPANDND Z0, Z13, Z0
	KMOVW K1, K2
	VPXORD Z1, Z1, Z1
	VPGATHERDD (BX)(Z0*1), K2, Z1
	VPSRLVD Z2, Z1, Z1
	VPMOVDB Z1, K1, (DX)
	POPCNTQ R10, R11
	ADDQ R11, AX
	ADDQ R11, DX
lut5_next:
	DECQ SI
	JNZ  lut5_pixel
lut5_done:
	VZEROUPPER
	RET
"""
out.append(extra512)
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "s8kern_amd64.s"), "w").write("\n".join(out))

