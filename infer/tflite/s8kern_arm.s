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
