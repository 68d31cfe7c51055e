//go:build !purego

#include "textflag.h"

// NEON versions of the float kernels in kernels.go, bit-identical to the
// Go definitions there: every product is a separate FMUL, rounded to
// float32, then added with a separate FADD (never FMLA, which fuses the
// two and rounds once), in the order the Go code adds.
//
// Go's arm64 assembler has no mnemonics for the vector float arithmetic
// used here, so these macros emit the A64 encodings (Arm ARM, "Advanced
// SIMD three same" and "two-register miscellaneous"; checked against
// llvm-mc -show-encoding). Arguments are register numbers; the destination
// comes last, as in Go's assembler syntax.
//
// The Go wrappers in kernels_arm64.go check every slice bound before the
// call: the code here trusts its counts and never reads or writes past them.

// VFADD4S(m, n, d): FADD Vd.4S, Vn.4S, Vm.4S (Vd = Vn + Vm)
#define VFADD4S(m, n, d) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))
// VFMUL4S(m, n, d): FMUL Vd.4S, Vn.4S, Vm.4S (Vd = Vn * Vm)
#define VFMUL4S(m, n, d) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))
// VFMAX4S(m, n, d): FMAX Vd.4S, Vn.4S, Vm.4S (Vd = max(Vn, Vm))
#define VFMAX4S(m, n, d) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))
// VFMIN4S(m, n, d): FMIN Vd.4S, Vn.4S, Vm.4S (Vd = min(Vn, Vm))
#define VFMIN4S(m, n, d) WORD $(0x4EA0F400 | ((m)<<16) | ((n)<<5) | (d))
// VFCMLTZ4S(n, d): FCMLT Vd.4S, Vn.4S, #0.0 (lanes of Vd all ones where Vn < 0)
#define VFCMLTZ4S(n, d) WORD $(0x4EA0E800 | ((n)<<5) | (d))

// CLAMP4S(r) clamps Vr to [V28, V29] as min(max(Vr, lo), hi).
#define CLAMP4S(r) VFMAX4S(28, r, r); VFMIN4S(29, r, r)

// ROW4x16(x, a0, a1, a2, a3) adds the products of the broadcast input Vx
// with the weights in V16-V19 to the accumulators Va0-Va3, using V24-V27
// for the rounded products.
#define ROW4x16(x, a0, a1, a2, a3) \
	VFMUL4S(16, x, 24); \
	VFMUL4S(17, x, 25); \
	VFMUL4S(18, x, 26); \
	VFMUL4S(19, x, 27); \
	VFADD4S(24, a0, a0); \
	VFADD4S(25, a1, a1); \
	VFADD4S(26, a2, a2); \
	VFADD4S(27, a3, a3)

// func gemmNEON(k int, a *float32, lda int, b, bias, c *float32, ldc, rows int, lo, hi float32)
//
// gemmKernelGo for rows ≥ 1 rows: blocks of 4 rows (16 accumulators
// V0-V15, one 16-float weight row in V16-V19, 4 broadcast inputs in
// V20-V23, products in V24-V27), then single rows.
TEXT ·gemmNEON(SB), NOSPLIT, $0-72
	MOVD	k+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	lda+16(FP), R2
	MOVD	b+24(FP), R3
	MOVD	bias+32(FP), R4
	MOVD	c+40(FP), R5
	MOVD	ldc+48(FP), R6
	MOVD	rows+56(FP), R7
	FMOVS	lo+64(FP), F28
	FMOVS	hi+68(FP), F29
	VDUP	V28.S[0], V28.S4
	VDUP	V29.S[0], V29.S4
	LSL	$2, R2 // strides in bytes
	LSL	$2, R6
	CMP	$4, R7
	BLT	single

block4:
	VLD1	(R4), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1	(R4), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1	(R4), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1	(R4), [V12.S4, V13.S4, V14.S4, V15.S4]
	MOVD	R1, R8
	ADD	R2, R8, R9
	ADD	R2, R9, R10
	ADD	R2, R10, R11
	MOVD	R3, R12
	MOVD	R0, R13
	CBZ	R13, block4done

block4k:
	VLD1.P	64(R12), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1R.P	4(R8), [V20.S4]
	VLD1R.P	4(R9), [V21.S4]
	VLD1R.P	4(R10), [V22.S4]
	VLD1R.P	4(R11), [V23.S4]
	ROW4x16(20, 0, 1, 2, 3)
	ROW4x16(21, 4, 5, 6, 7)
	ROW4x16(22, 8, 9, 10, 11)
	ROW4x16(23, 12, 13, 14, 15)
	SUBS	$1, R13, R13
	BNE	block4k

block4done:
	CLAMP4S(0); CLAMP4S(1); CLAMP4S(2); CLAMP4S(3)
	CLAMP4S(4); CLAMP4S(5); CLAMP4S(6); CLAMP4S(7)
	CLAMP4S(8); CLAMP4S(9); CLAMP4S(10); CLAMP4S(11)
	CLAMP4S(12); CLAMP4S(13); CLAMP4S(14); CLAMP4S(15)
	MOVD	R5, R14
	VST1	[V0.S4, V1.S4, V2.S4, V3.S4], (R14)
	ADD	R6, R14, R14
	VST1	[V4.S4, V5.S4, V6.S4, V7.S4], (R14)
	ADD	R6, R14, R14
	VST1	[V8.S4, V9.S4, V10.S4, V11.S4], (R14)
	ADD	R6, R14, R14
	VST1	[V12.S4, V13.S4, V14.S4, V15.S4], (R14)
	ADD	R2<<2, R1, R1
	ADD	R6<<2, R5, R5
	SUB	$4, R7, R7
	CMP	$4, R7
	BGE	block4

single:
	CBZ	R7, done

row1:
	VLD1	(R4), [V0.S4, V1.S4, V2.S4, V3.S4]
	MOVD	R1, R8
	MOVD	R3, R12
	MOVD	R0, R13
	CBZ	R13, row1done

row1k:
	VLD1.P	64(R12), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1R.P	4(R8), [V20.S4]
	ROW4x16(20, 0, 1, 2, 3)
	SUBS	$1, R13, R13
	BNE	row1k

row1done:
	CLAMP4S(0); CLAMP4S(1); CLAMP4S(2); CLAMP4S(3)
	VST1	[V0.S4, V1.S4, V2.S4, V3.S4], (R5)
	ADD	R2, R1, R1
	ADD	R6, R5, R5
	SUBS	$1, R7, R7
	BNE	row1

done:
	RET

// func dwRowTapNEON(o, p, w *float32, n, c, pstride int)
//
// dwRowTapGo for n ≥ 1, c ≥ 1: per pixel, 16 channels at a time, then 4,
// then one.
TEXT ·dwRowTapNEON(SB), NOSPLIT, $0-48
	MOVD	o+0(FP), R0
	MOVD	p+8(FP), R1
	MOVD	w+16(FP), R2
	MOVD	n+24(FP), R3
	MOVD	c+32(FP), R4
	MOVD	pstride+40(FP), R5
	LSL	$2, R5 // bytes

pixel:
	MOVD	R0, R6 // o, advances by c floats: the next pixel's o
	MOVD	R1, R7
	MOVD	R2, R8
	MOVD	R4, R9 // channels left

ch16:
	CMP	$16, R9
	BLT	ch4
	VLD1.P	64(R8), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R7), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1	(R6), [V16.S4, V17.S4, V18.S4, V19.S4]
	VFMUL4S(0, 4, 4)
	VFMUL4S(1, 5, 5)
	VFMUL4S(2, 6, 6)
	VFMUL4S(3, 7, 7)
	VFADD4S(4, 16, 16)
	VFADD4S(5, 17, 17)
	VFADD4S(6, 18, 18)
	VFADD4S(7, 19, 19)
	VST1.P	[V16.S4, V17.S4, V18.S4, V19.S4], 64(R6)
	SUB	$16, R9, R9
	B	ch16

ch4:
	CMP	$4, R9
	BLT	ch1
	VLD1.P	16(R8), [V0.S4]
	VLD1.P	16(R7), [V4.S4]
	VLD1	(R6), [V16.S4]
	VFMUL4S(0, 4, 4)
	VFADD4S(4, 16, 16)
	VST1.P	[V16.S4], 16(R6)
	SUB	$4, R9, R9
	B	ch4

ch1:
	CBZ	R9, nextpixel
	FMOVS.P	4(R8), F0
	FMOVS.P	4(R7), F4
	FMOVS	(R6), F16
	FMULS	F0, F4, F4
	FADDS	F4, F16, F16
	FMOVS.P	F16, 4(R6)
	SUB	$1, R9, R9
	B	ch1

nextpixel:
	MOVD	R6, R0
	ADD	R5, R1, R1
	SUBS	$1, R3, R3
	BNE	pixel
	RET

// func addRowNEON(o, a, b *float32, n int, lo, hi float32)
//
// addRowGo for n ≥ 1.
TEXT ·addRowNEON(SB), NOSPLIT, $0-40
	MOVD	o+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	n+24(FP), R3
	FMOVS	lo+32(FP), F28
	FMOVS	hi+36(FP), F29
	VDUP	V28.S[0], V28.S4
	VDUP	V29.S[0], V29.S4

add16:
	CMP	$16, R3
	BLT	add4
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFADD4S(4, 0, 0)
	VFADD4S(5, 1, 1)
	VFADD4S(6, 2, 2)
	VFADD4S(7, 3, 3)
	CLAMP4S(0); CLAMP4S(1); CLAMP4S(2); CLAMP4S(3)
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB	$16, R3, R3
	B	add16

add4:
	CMP	$4, R3
	BLT	add1
	VLD1.P	16(R1), [V0.S4]
	VLD1.P	16(R2), [V4.S4]
	VFADD4S(4, 0, 0)
	CLAMP4S(0)
	VST1.P	[V0.S4], 16(R0)
	SUB	$4, R3, R3
	B	add4

add1:
	CBZ	R3, adddone
	FMOVS.P	4(R1), F0
	FMOVS.P	4(R2), F4
	FADDS	F4, F0, F0
	FMAXS	F28, F0, F0
	FMINS	F29, F0, F0
	FMOVS.P	F0, 4(R0)
	SUB	$1, R3, R3
	B	add1

adddone:
	RET

// func mulRowNEON(o, a, b *float32, n int, lo, hi float32)
//
// mulRowGo for n ≥ 1.
TEXT ·mulRowNEON(SB), NOSPLIT, $0-40
	MOVD	o+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	n+24(FP), R3
	FMOVS	lo+32(FP), F28
	FMOVS	hi+36(FP), F29
	VDUP	V28.S[0], V28.S4
	VDUP	V29.S[0], V29.S4

mul16:
	CMP	$16, R3
	BLT	mul4
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMUL4S(4, 0, 0)
	VFMUL4S(5, 1, 1)
	VFMUL4S(6, 2, 2)
	VFMUL4S(7, 3, 3)
	CLAMP4S(0); CLAMP4S(1); CLAMP4S(2); CLAMP4S(3)
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB	$16, R3, R3
	B	mul16

mul4:
	CMP	$4, R3
	BLT	mul1
	VLD1.P	16(R1), [V0.S4]
	VLD1.P	16(R2), [V4.S4]
	VFMUL4S(4, 0, 0)
	CLAMP4S(0)
	VST1.P	[V0.S4], 16(R0)
	SUB	$4, R3, R3
	B	mul4

mul1:
	CBZ	R3, muldone
	FMOVS.P	4(R1), F0
	FMOVS.P	4(R2), F4
	FMULS	F4, F0, F0
	FMAXS	F28, F0, F0
	FMINS	F29, F0, F0
	FMOVS.P	F0, 4(R0)
	SUB	$1, R3, R3
	B	mul1

muldone:
	RET

// func preluRowsNEON(o, x, alpha *float32, rows, c int)
//
// preluRowsGo for rows ≥ 1, c ≥ 1 (preluRowGo is one row of c = n): the
// product x*alpha is selected where x < 0 (FCMLT and BSL; an ordered
// compare, so NaN and -0 pass through as x). o and x run on across rows;
// alpha restarts at each row.
TEXT ·preluRowsNEON(SB), NOSPLIT, $0-40
	MOVD	o+0(FP), R0
	MOVD	x+8(FP), R1
	MOVD	alpha+16(FP), R5
	MOVD	rows+24(FP), R4
	MOVD	c+32(FP), R6

preluRow:
	MOVD	R5, R2
	MOVD	R6, R3

prelu16:
	CMP	$16, R3
	BLT	prelu4
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMUL4S(0, 4, 4)
	VFMUL4S(1, 5, 5)
	VFMUL4S(2, 6, 6)
	VFMUL4S(3, 7, 7)
	VFCMLTZ4S(0, 16)
	VFCMLTZ4S(1, 17)
	VFCMLTZ4S(2, 18)
	VFCMLTZ4S(3, 19)
	VBSL	V0.B16, V4.B16, V16.B16 // V16 = x < 0 ? x*alpha : x
	VBSL	V1.B16, V5.B16, V17.B16
	VBSL	V2.B16, V6.B16, V18.B16
	VBSL	V3.B16, V7.B16, V19.B16
	VST1.P	[V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	SUB	$16, R3, R3
	B	prelu16

prelu4:
	CMP	$4, R3
	BLT	prelu1
	VLD1.P	16(R1), [V0.S4]
	VLD1.P	16(R2), [V4.S4]
	VFMUL4S(0, 4, 4)
	VFCMLTZ4S(0, 16)
	VBSL	V0.B16, V4.B16, V16.B16
	VST1.P	[V16.S4], 16(R0)
	SUB	$4, R3, R3
	B	prelu4

prelu1:
	CBZ	R3, prelunext
	FMOVS.P	4(R1), F0
	FMOVS.P	4(R2), F4
	FMULS	F0, F4, F4
	FCMPS	$(0.0), F0
	FCSELS	MI, F4, F0, F0 // MI: ordered less than (LT would also take NaN)
	FMOVS.P	F0, 4(R0)
	SUB	$1, R3, R3
	B	prelu1

prelunext:
	SUBS	$1, R4, R4
	BNE	preluRow
	RET

// func dwPixelsNEON(o, p, w, bias *float32, n, c, ps, nky, kw, rs int)
//
// dwPixelsGo for n ≥ 1, c ≥ 1, nky ≥ 1, kw ≥ 1: per output pixel and
// block of 16 channels (then 4, then 1), the accumulators start at bias
// and add the taps row by row, column by column, as the Go code does.
TEXT ·dwPixelsNEON(SB), NOSPLIT, $0-80
	MOVD	o+0(FP), R0
	MOVD	p+8(FP), R1
	MOVD	w+16(FP), R2
	MOVD	bias+24(FP), R3
	MOVD	n+32(FP), R4
	MOVD	c+40(FP), R5
	MOVD	ps+48(FP), R6
	MOVD	nky+56(FP), R7
	MOVD	kw+64(FP), R8
	MOVD	rs+72(FP), R9
	LSL	$2, R6 // strides in bytes
	LSL	$2, R9
	LSL	$2, R5, R10 // c in bytes: the stride between taps in p and w

dwpPixel:
	MOVD	$0, R11 // byte offset of the channel block
	MOVD	R5, R12 // channels left

dwp16:
	CMP	$16, R12
	BLT	dwp4
	ADD	R3, R11, R13
	VLD1	(R13), [V0.S4, V1.S4, V2.S4, V3.S4]
	ADD	R1, R11, R14 // kernel row ky of this pixel, at the block
	ADD	R2, R11, R15 // tap (ky, kx) of w, at the block
	MOVD	R7, R16

dwp16ky:
	MOVD	R14, R17
	MOVD	R8, R19

dwp16kx:
	VLD1	(R17), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1	(R15), [V16.S4, V17.S4, V18.S4, V19.S4]
	VFMUL4S(16, 4, 4)
	VFMUL4S(17, 5, 5)
	VFMUL4S(18, 6, 6)
	VFMUL4S(19, 7, 7)
	VFADD4S(4, 0, 0)
	VFADD4S(5, 1, 1)
	VFADD4S(6, 2, 2)
	VFADD4S(7, 3, 3)
	ADD	R10, R17, R17
	ADD	R10, R15, R15
	SUBS	$1, R19, R19
	BNE	dwp16kx
	ADD	R9, R14, R14
	SUBS	$1, R16, R16
	BNE	dwp16ky
	ADD	R0, R11, R13
	VST1	[V0.S4, V1.S4, V2.S4, V3.S4], (R13)
	ADD	$64, R11, R11
	SUB	$16, R12, R12
	B	dwp16

dwp4:
	CMP	$4, R12
	BLT	dwp1
	ADD	R3, R11, R13
	VLD1	(R13), [V0.S4]
	ADD	R1, R11, R14
	ADD	R2, R11, R15
	MOVD	R7, R16

dwp4ky:
	MOVD	R14, R17
	MOVD	R8, R19

dwp4kx:
	VLD1	(R17), [V4.S4]
	VLD1	(R15), [V16.S4]
	VFMUL4S(16, 4, 4)
	VFADD4S(4, 0, 0)
	ADD	R10, R17, R17
	ADD	R10, R15, R15
	SUBS	$1, R19, R19
	BNE	dwp4kx
	ADD	R9, R14, R14
	SUBS	$1, R16, R16
	BNE	dwp4ky
	ADD	R0, R11, R13
	VST1	[V0.S4], (R13)
	ADD	$16, R11, R11
	SUB	$4, R12, R12
	B	dwp4

dwp1:
	CBZ	R12, dwpNext
	FMOVS	(R3)(R11), F0
	ADD	R1, R11, R14
	ADD	R2, R11, R15
	MOVD	R7, R16

dwp1ky:
	MOVD	R14, R17
	MOVD	R8, R19

dwp1kx:
	FMOVS	(R17), F4
	FMOVS	(R15), F16
	FMULS	F16, F4, F4
	FADDS	F4, F0, F0
	ADD	R10, R17, R17
	ADD	R10, R15, R15
	SUBS	$1, R19, R19
	BNE	dwp1kx
	ADD	R9, R14, R14
	SUBS	$1, R16, R16
	BNE	dwp1ky
	FMOVS	F0, (R0)(R11)
	ADD	$4, R11, R11
	SUB	$1, R12, R12
	B	dwp1

dwpNext:
	ADD	R10, R0, R0
	ADD	R6, R1, R1
	SUBS	$1, R4, R4
	BNE	dwpPixel
	RET

// func maxRowNEON(o, a, b *float32, n int)
//
// maxRowGo for n ≥ 1. FMAX has Go's max semantics: NaN if either operand
// is NaN, +0 for max(-0, +0).
TEXT ·maxRowNEON(SB), NOSPLIT, $0-32
	MOVD	o+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	n+24(FP), R3

max16:
	CMP	$16, R3
	BLT	max4
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMAX4S(4, 0, 0)
	VFMAX4S(5, 1, 1)
	VFMAX4S(6, 2, 2)
	VFMAX4S(7, 3, 3)
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB	$16, R3, R3
	B	max16

max4:
	CMP	$4, R3
	BLT	max1
	VLD1.P	16(R1), [V0.S4]
	VLD1.P	16(R2), [V4.S4]
	VFMAX4S(4, 0, 0)
	VST1.P	[V0.S4], 16(R0)
	SUB	$4, R3, R3
	B	max4

max1:
	CBZ	R3, maxdone
	FMOVS.P	4(R1), F0
	FMOVS.P	4(R2), F4
	FMAXS	F4, F0, F0
	FMOVS.P	F0, 4(R0)
	SUB	$1, R3, R3
	B	max1

maxdone:
	RET
