//go:build !purego

// int8 GEMM micro-kernel for armv7 NEON (Raspberry Pi 4 and 5 on a 32-bit
// OS): VMULL.S8 + VPADAL.S16, exact for all int8 inputs, one row × 16
// columns per step. Go's arm assembler has no NEON mnemonics: the NEON
// instructions are WORD-encoded (the comment gives the instruction). The Go
// wrapper in s8kern_arm.go checks every slice bound and only passes whole
// 16-column panels.

#include "textflag.h"

// func s8NeonX1(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int)
TEXT ·s8NeonX1(SB), NOSPLIT, $0-32
	MOVW a+0(FP), R0
	MOVW lda+4(FP), R1
	MOVW rows+8(FP), R2
	MOVW w+12(FP), R3
	MOVW kg+16(FP), R4
	MOVW c+24(FP), R6
	MOVW ldc+28(FP), R8
	MOVW R8<<2, R8
row:
	CMP $0, R2
	BEQ done
	WORD $0xf2808050 // vmov.i32 q4, #0
	WORD $0xf280a050 // vmov.i32 q5, #0
	WORD $0xf280c050 // vmov.i32 q6, #0
	WORD $0xf280e050 // vmov.i32 q7, #0
	WORD $0xf2c00050 // vmov.i32 q8, #0
	WORD $0xf2c02050 // vmov.i32 q9, #0
	WORD $0xf2c04050 // vmov.i32 q10, #0
	WORD $0xf2c06050 // vmov.i32 q11, #0
	MOVW R0, R9
	MOVW R3, R5
	MOVW R4, R12
	CMP $0, R12
	BEQ tail
loop:
	WORD $0xf4e98c8d // vld1.32 {d24[]}, [r9]!
	WORD $0xf425020d // vld1.8 {d0, d1, d2, d3}, [r5]!
	WORD $0xf425420d // vld1.8 {d4, d5, d6, d7}, [r5]!
	WORD $0xf2c0ac28 // vmull.s8 q13, d0, d24
	WORD $0xf3b4866a // vpadal.s16 q4, q13
	WORD $0xf2c1cc28 // vmull.s8 q14, d1, d24
	WORD $0xf3b4a66c // vpadal.s16 q5, q14
	WORD $0xf2c2ec28 // vmull.s8 q15, d2, d24
	WORD $0xf3b4c66e // vpadal.s16 q6, q15
	WORD $0xf2c3ac28 // vmull.s8 q13, d3, d24
	WORD $0xf3b4e66a // vpadal.s16 q7, q13
	WORD $0xf2c4cc28 // vmull.s8 q14, d4, d24
	WORD $0xf3f4066c // vpadal.s16 q8, q14
	WORD $0xf2c5ec28 // vmull.s8 q15, d5, d24
	WORD $0xf3f4266e // vpadal.s16 q9, q15
	WORD $0xf2c6ac28 // vmull.s8 q13, d6, d24
	WORD $0xf3f4466a // vpadal.s16 q10, q13
	WORD $0xf2c7cc28 // vmull.s8 q14, d7, d24
	WORD $0xf3f4666c // vpadal.s16 q11, q14
	SUB.S $1, R12
	BNE loop
tail:
	// The last partial group: the 4 bytes ending at column k-1, shifted
	// right by 8·(4-kt) (the padding weights are 0).
	MOVW kt+20(FP), R7
	CMP $0, R7
	BEQ store
	RSB $4, R7, R7
	SUB R7, R9, R9
	MOVW (R9), R12
	MOVW R7<<3, R7
	MOVW R12>>R7, R12
	WORD $0xee88cb90 // vdup.32 d24, r12
	WORD $0xf425020d // vld1.8 {d0, d1, d2, d3}, [r5]!
	WORD $0xf425420d // vld1.8 {d4, d5, d6, d7}, [r5]!
	WORD $0xf2c0ac28 // vmull.s8 q13, d0, d24
	WORD $0xf3b4866a // vpadal.s16 q4, q13
	WORD $0xf2c1cc28 // vmull.s8 q14, d1, d24
	WORD $0xf3b4a66c // vpadal.s16 q5, q14
	WORD $0xf2c2ec28 // vmull.s8 q15, d2, d24
	WORD $0xf3b4c66e // vpadal.s16 q6, q15
	WORD $0xf2c3ac28 // vmull.s8 q13, d3, d24
	WORD $0xf3b4e66a // vpadal.s16 q7, q13
	WORD $0xf2c4cc28 // vmull.s8 q14, d4, d24
	WORD $0xf3f4066c // vpadal.s16 q8, q14
	WORD $0xf2c5ec28 // vmull.s8 q15, d5, d24
	WORD $0xf3f4266e // vpadal.s16 q9, q15
	WORD $0xf2c6ac28 // vmull.s8 q13, d6, d24
	WORD $0xf3f4466a // vpadal.s16 q10, q13
	WORD $0xf2c7cc28 // vmull.s8 q14, d7, d24
	WORD $0xf3f4666c // vpadal.s16 q11, q14
store:
	// Lanes hold (k0+k1, k2+k3) of two columns: pairwise add.
	WORD $0xf2280b19 // vpadd.i32 d0, d8, d9
	WORD $0xf22a1b1b // vpadd.i32 d1, d10, d11
	WORD $0xf22c2b1d // vpadd.i32 d2, d12, d13
	WORD $0xf22e3b1f // vpadd.i32 d3, d14, d15
	WORD $0xf2204bb1 // vpadd.i32 d4, d16, d17
	WORD $0xf2225bb3 // vpadd.i32 d5, d18, d19
	WORD $0xf2246bb5 // vpadd.i32 d6, d20, d21
	WORD $0xf2267bb7 // vpadd.i32 d7, d22, d23
	MOVW R6, R7
	WORD $0xf407028d // vst1.32 {d0, d1, d2, d3}, [r7]!
	WORD $0xf407428f // vst1.32 {d4, d5, d6, d7}, [r7]
	ADD R8, R6
	ADD R1, R0
	SUB $1, R2
	B row
done:
	RET

// func s8RequantFP32NEON(acc, bias *int32, scale *float32, out *int8, n int, zp int32, flo, fhi float32)
// n is a multiple of 8. Same operations as requantFP32Go; ARMv7 NEON has
// no round-to-nearest conversion, so it rounds half to even by adding
// 1.5·2^23 (s8MagicBias) and subtracts the bias's bits less zp. NEON
// flushes denormals to zero, which changes no result: |f| < 0.5 rounds to
// 0 either way.
TEXT ·s8RequantFP32NEON(SB), NOSPLIT, $0-32
	MOVW acc+0(FP), R0
	MOVW bias+4(FP), R1
	MOVW scale+8(FP), R2
	MOVW out+12(FP), R3
	MOVW n+16(FP), R4
	MOVW R4>>3, R4
	CMP $0, R4
	BEQ rq_done
	MOVW zp+20(FP), R5
	MOVW $0x4B400000, R6
	SUB R5, R6
	WORD $0xeea86b90 // vdup.32 q12, r6
	MOVW flo+24(FP), R5
	WORD $0xeeaa5b90 // vdup.32 q13, r5
	MOVW fhi+28(FP), R5
	WORD $0xeeac5b90 // vdup.32 q14, r5
	MOVW $0x4B400000, R5
	WORD $0xeeae5b90 // vdup.32 q15, r5
rq_loop:
	WORD $0xf420028d // vld1.32 {d0, d1, d2, d3}, [r0]!
	WORD $0xf421428d // vld1.32 {d4, d5, d6, d7}, [r1]!
	WORD $0xf462028d // vld1.32 {d16, d17, d18, d19}, [r2]!
	WORD $0xf2200844 // vadd.i32 q0, q0, q2
	WORD $0xf3bb0640 // vcvt.f32.s32 q0, q0
	WORD $0xf3000d70 // vmul.f32 q0, q0, q8
	WORD $0xf2000f6a // vmax.f32 q0, q0, q13
	WORD $0xf2200f6c // vmin.f32 q0, q0, q14
	WORD $0xf2000d6e // vadd.f32 q0, q0, q15
	WORD $0xf3200868 // vsub.i32 q0, q0, q12
	WORD $0xf2222846 // vadd.i32 q1, q1, q3
	WORD $0xf3bb2642 // vcvt.f32.s32 q1, q1
	WORD $0xf3022d72 // vmul.f32 q1, q1, q9
	WORD $0xf2022f6a // vmax.f32 q1, q1, q13
	WORD $0xf2222f6c // vmin.f32 q1, q1, q14
	WORD $0xf2022d6e // vadd.f32 q1, q1, q15
	WORD $0xf3222868 // vsub.i32 q1, q1, q12
	WORD $0xf3b60200 // vmovn.i32 d0, q0
	WORD $0xf3b61202 // vmovn.i32 d1, q1
	WORD $0xf3b20200 // vmovn.i16 d0, q0
	WORD $0xf403070d // vst1.8 {d0}, [r3]!
	SUB.S $1, R4
	BNE rq_loop
rq_done:
	RET

// func s8DwTapNEON(acc *int32, p, w *int8, n, c16, c, pstride int)
// Adds p·w to acc for the first c16 (a multiple of 16) of c channels of n
// pixels: VMULL.S8 to int16 (exact: |product| ≤ 2^14), VADDW.S16 to int32.
// Each 16-channel block's weights stay in d2-d3 across the n pixels.
TEXT ·s8DwTapNEON(SB), NOSPLIT, $0-28
	MOVW acc+0(FP), R0
	MOVW p+4(FP), R1
	MOVW w+8(FP), R2
	MOVW n+12(FP), R3
	MOVW c16+16(FP), R4
	MOVW c+20(FP), R5
	MOVW R5<<2, R5
	MOVW pstride+24(FP), R6
	MOVW R4>>4, R4
	CMP $0, R4
	BEQ dw_done
	CMP $0, R3
	BEQ dw_done
dw_block:
	WORD $0xf4222a0d // vld1.8 {d2, d3}, [r2]!
	MOVW R1, R7
	MOVW R0, R8
	MOVW R3, R12
dw_pixel:
	WORD $0xf4270a0f // vld1.8 {d0, d1}, [r7]
	WORD $0xf2804c02 // vmull.s8 q2, d0, d2
	WORD $0xf2816c03 // vmull.s8 q3, d1, d3
	MOVW R8, R9
	WORD $0xf469028d // vld1.32 {d16, d17, d18, d19}, [r9]!
	WORD $0xf469428f // vld1.32 {d20, d21, d22, d23}, [r9]
	WORD $0xf2d00184 // vaddw.s16 q8, q8, d4
	WORD $0xf2d22185 // vaddw.s16 q9, q9, d5
	WORD $0xf2d44186 // vaddw.s16 q10, q10, d6
	WORD $0xf2d66187 // vaddw.s16 q11, q11, d7
	MOVW R8, R9
	WORD $0xf449028d // vst1.32 {d16, d17, d18, d19}, [r9]!
	WORD $0xf449428f // vst1.32 {d20, d21, d22, d23}, [r9]
	ADD R6, R7
	ADD R5, R8
	SUB.S $1, R12
	BNE dw_pixel
	ADD $16, R1
	ADD $64, R0
	SUB.S $1, R4
	BNE dw_block
dw_done:
	RET
