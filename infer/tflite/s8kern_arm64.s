//go:build !purego

// int8 kernels for arm64: gemmS8 micro-kernels (SDOT where the CPU has
// the dot-product extension, else SMULL + SADALP, exact for all int8
// inputs), requantization and depthwise taps in NEON. Instructions Go's
// assembler does not know are WORD-encoded (the comment gives the
// instruction). The Go wrappers in s8kern_arm64.go check every slice bound
// and only pass whole 16-column panels.

#include "textflag.h"

// func s8SdotX1(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int)
TEXT ·s8SdotX1(SB), NOSPLIT, $0-64
	MOVD a+0(FP), R0
	MOVD lda+8(FP), R1
	MOVD rows+16(FP), R2
	MOVD w+24(FP), R3
	MOVD kg+32(FP), R4
	MOVD kt+40(FP), R5
	MOVD c+48(FP), R6
	MOVD ldc+56(FP), R7
	LSL $2, R7, R7
	// Tail group: the 4 bytes ending at column k-1 (offset kt-4 past the
	// full groups), shifted right by 8·(4-kt); the padding weights are 0.
	SUB $4, R5, R20
	MOVD $4, R21
	SUB R5, R21, R21
	LSL $3, R21, R21
	LSR $2, R4, R22 // groups of 4 groups (16 k)
	AND $3, R4, R23 // single groups left
s8SdotX1_m4_loop:
	CMP $4, R2
	BLT s8SdotX1_m4_done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	MOVD R0, R8
	ADD R1, R8, R9
	ADD R1, R9, R10
	ADD R1, R10, R11
	MOVD R3, R12
	CBZ R22, s8SdotX1_m4_g1
	MOVD R22, R13
s8SdotX1_m4_k16:
	VLD1.P 16(R8), [V16.B16]
	VLD1.P 16(R9), [V17.B16]
	VLD1.P 16(R10), [V18.B16]
	VLD1.P 16(R11), [V19.B16]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	WORD $0x4f91e284 // sdot v4.4s, v20.16b, v17.4b[0]
	WORD $0x4f91e2a5 // sdot v5.4s, v21.16b, v17.4b[0]
	WORD $0x4f91e2c6 // sdot v6.4s, v22.16b, v17.4b[0]
	WORD $0x4f91e2e7 // sdot v7.4s, v23.16b, v17.4b[0]
	WORD $0x4f92e288 // sdot v8.4s, v20.16b, v18.4b[0]
	WORD $0x4f92e2a9 // sdot v9.4s, v21.16b, v18.4b[0]
	WORD $0x4f92e2ca // sdot v10.4s, v22.16b, v18.4b[0]
	WORD $0x4f92e2eb // sdot v11.4s, v23.16b, v18.4b[0]
	WORD $0x4f93e28c // sdot v12.4s, v20.16b, v19.4b[0]
	WORD $0x4f93e2ad // sdot v13.4s, v21.16b, v19.4b[0]
	WORD $0x4f93e2ce // sdot v14.4s, v22.16b, v19.4b[0]
	WORD $0x4f93e2ef // sdot v15.4s, v23.16b, v19.4b[0]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4fb0e280 // sdot v0.4s, v20.16b, v16.4b[1]
	WORD $0x4fb0e2a1 // sdot v1.4s, v21.16b, v16.4b[1]
	WORD $0x4fb0e2c2 // sdot v2.4s, v22.16b, v16.4b[1]
	WORD $0x4fb0e2e3 // sdot v3.4s, v23.16b, v16.4b[1]
	WORD $0x4fb1e284 // sdot v4.4s, v20.16b, v17.4b[1]
	WORD $0x4fb1e2a5 // sdot v5.4s, v21.16b, v17.4b[1]
	WORD $0x4fb1e2c6 // sdot v6.4s, v22.16b, v17.4b[1]
	WORD $0x4fb1e2e7 // sdot v7.4s, v23.16b, v17.4b[1]
	WORD $0x4fb2e288 // sdot v8.4s, v20.16b, v18.4b[1]
	WORD $0x4fb2e2a9 // sdot v9.4s, v21.16b, v18.4b[1]
	WORD $0x4fb2e2ca // sdot v10.4s, v22.16b, v18.4b[1]
	WORD $0x4fb2e2eb // sdot v11.4s, v23.16b, v18.4b[1]
	WORD $0x4fb3e28c // sdot v12.4s, v20.16b, v19.4b[1]
	WORD $0x4fb3e2ad // sdot v13.4s, v21.16b, v19.4b[1]
	WORD $0x4fb3e2ce // sdot v14.4s, v22.16b, v19.4b[1]
	WORD $0x4fb3e2ef // sdot v15.4s, v23.16b, v19.4b[1]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90ea80 // sdot v0.4s, v20.16b, v16.4b[2]
	WORD $0x4f90eaa1 // sdot v1.4s, v21.16b, v16.4b[2]
	WORD $0x4f90eac2 // sdot v2.4s, v22.16b, v16.4b[2]
	WORD $0x4f90eae3 // sdot v3.4s, v23.16b, v16.4b[2]
	WORD $0x4f91ea84 // sdot v4.4s, v20.16b, v17.4b[2]
	WORD $0x4f91eaa5 // sdot v5.4s, v21.16b, v17.4b[2]
	WORD $0x4f91eac6 // sdot v6.4s, v22.16b, v17.4b[2]
	WORD $0x4f91eae7 // sdot v7.4s, v23.16b, v17.4b[2]
	WORD $0x4f92ea88 // sdot v8.4s, v20.16b, v18.4b[2]
	WORD $0x4f92eaa9 // sdot v9.4s, v21.16b, v18.4b[2]
	WORD $0x4f92eaca // sdot v10.4s, v22.16b, v18.4b[2]
	WORD $0x4f92eaeb // sdot v11.4s, v23.16b, v18.4b[2]
	WORD $0x4f93ea8c // sdot v12.4s, v20.16b, v19.4b[2]
	WORD $0x4f93eaad // sdot v13.4s, v21.16b, v19.4b[2]
	WORD $0x4f93eace // sdot v14.4s, v22.16b, v19.4b[2]
	WORD $0x4f93eaef // sdot v15.4s, v23.16b, v19.4b[2]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4fb0ea80 // sdot v0.4s, v20.16b, v16.4b[3]
	WORD $0x4fb0eaa1 // sdot v1.4s, v21.16b, v16.4b[3]
	WORD $0x4fb0eac2 // sdot v2.4s, v22.16b, v16.4b[3]
	WORD $0x4fb0eae3 // sdot v3.4s, v23.16b, v16.4b[3]
	WORD $0x4fb1ea84 // sdot v4.4s, v20.16b, v17.4b[3]
	WORD $0x4fb1eaa5 // sdot v5.4s, v21.16b, v17.4b[3]
	WORD $0x4fb1eac6 // sdot v6.4s, v22.16b, v17.4b[3]
	WORD $0x4fb1eae7 // sdot v7.4s, v23.16b, v17.4b[3]
	WORD $0x4fb2ea88 // sdot v8.4s, v20.16b, v18.4b[3]
	WORD $0x4fb2eaa9 // sdot v9.4s, v21.16b, v18.4b[3]
	WORD $0x4fb2eaca // sdot v10.4s, v22.16b, v18.4b[3]
	WORD $0x4fb2eaeb // sdot v11.4s, v23.16b, v18.4b[3]
	WORD $0x4fb3ea8c // sdot v12.4s, v20.16b, v19.4b[3]
	WORD $0x4fb3eaad // sdot v13.4s, v21.16b, v19.4b[3]
	WORD $0x4fb3eace // sdot v14.4s, v22.16b, v19.4b[3]
	WORD $0x4fb3eaef // sdot v15.4s, v23.16b, v19.4b[3]
	SUB $1, R13, R13
	CBNZ R13, s8SdotX1_m4_k16
s8SdotX1_m4_g1:
	CBZ R23, s8SdotX1_m4_tail
	MOVD R23, R13
s8SdotX1_m4_k4:
	VLD1R.P 4(R8), [V16.S4]
	VLD1R.P 4(R9), [V17.S4]
	VLD1R.P 4(R10), [V18.S4]
	VLD1R.P 4(R11), [V19.S4]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	WORD $0x4f91e284 // sdot v4.4s, v20.16b, v17.4b[0]
	WORD $0x4f91e2a5 // sdot v5.4s, v21.16b, v17.4b[0]
	WORD $0x4f91e2c6 // sdot v6.4s, v22.16b, v17.4b[0]
	WORD $0x4f91e2e7 // sdot v7.4s, v23.16b, v17.4b[0]
	WORD $0x4f92e288 // sdot v8.4s, v20.16b, v18.4b[0]
	WORD $0x4f92e2a9 // sdot v9.4s, v21.16b, v18.4b[0]
	WORD $0x4f92e2ca // sdot v10.4s, v22.16b, v18.4b[0]
	WORD $0x4f92e2eb // sdot v11.4s, v23.16b, v18.4b[0]
	WORD $0x4f93e28c // sdot v12.4s, v20.16b, v19.4b[0]
	WORD $0x4f93e2ad // sdot v13.4s, v21.16b, v19.4b[0]
	WORD $0x4f93e2ce // sdot v14.4s, v22.16b, v19.4b[0]
	WORD $0x4f93e2ef // sdot v15.4s, v23.16b, v19.4b[0]
	SUB $1, R13, R13
	CBNZ R13, s8SdotX1_m4_k4
s8SdotX1_m4_tail:
	CBZ R5, s8SdotX1_m4_store
	MOVWU (R8)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V16.S4
	MOVWU (R9)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V17.S4
	MOVWU (R10)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V18.S4
	MOVWU (R11)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V19.S4
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	WORD $0x4f91e284 // sdot v4.4s, v20.16b, v17.4b[0]
	WORD $0x4f91e2a5 // sdot v5.4s, v21.16b, v17.4b[0]
	WORD $0x4f91e2c6 // sdot v6.4s, v22.16b, v17.4b[0]
	WORD $0x4f91e2e7 // sdot v7.4s, v23.16b, v17.4b[0]
	WORD $0x4f92e288 // sdot v8.4s, v20.16b, v18.4b[0]
	WORD $0x4f92e2a9 // sdot v9.4s, v21.16b, v18.4b[0]
	WORD $0x4f92e2ca // sdot v10.4s, v22.16b, v18.4b[0]
	WORD $0x4f92e2eb // sdot v11.4s, v23.16b, v18.4b[0]
	WORD $0x4f93e28c // sdot v12.4s, v20.16b, v19.4b[0]
	WORD $0x4f93e2ad // sdot v13.4s, v21.16b, v19.4b[0]
	WORD $0x4f93e2ce // sdot v14.4s, v22.16b, v19.4b[0]
	WORD $0x4f93e2ef // sdot v15.4s, v23.16b, v19.4b[0]
s8SdotX1_m4_store:
	MOVD R6, R14
	ADD R7, R14, R15
	ADD R7, R15, R16
	ADD R7, R16, R17
	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R14)
	VST1 [V4.S4, V5.S4, V6.S4, V7.S4], (R15)
	VST1 [V8.S4, V9.S4, V10.S4, V11.S4], (R16)
	VST1 [V12.S4, V13.S4, V14.S4, V15.S4], (R17)
	MOVD $4, R19
	MUL R1, R19, R24
	ADD R24, R0, R0
	MUL R7, R19, R24
	ADD R24, R6, R6
	SUB $4, R2, R2
	B s8SdotX1_m4_loop
s8SdotX1_m4_done:
s8SdotX1_m1_loop:
	CMP $1, R2
	BLT s8SdotX1_m1_done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	MOVD R0, R8
	MOVD R3, R12
	CBZ R22, s8SdotX1_m1_g1
	MOVD R22, R13
s8SdotX1_m1_k16:
	VLD1.P 16(R8), [V16.B16]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4fb0e280 // sdot v0.4s, v20.16b, v16.4b[1]
	WORD $0x4fb0e2a1 // sdot v1.4s, v21.16b, v16.4b[1]
	WORD $0x4fb0e2c2 // sdot v2.4s, v22.16b, v16.4b[1]
	WORD $0x4fb0e2e3 // sdot v3.4s, v23.16b, v16.4b[1]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90ea80 // sdot v0.4s, v20.16b, v16.4b[2]
	WORD $0x4f90eaa1 // sdot v1.4s, v21.16b, v16.4b[2]
	WORD $0x4f90eac2 // sdot v2.4s, v22.16b, v16.4b[2]
	WORD $0x4f90eae3 // sdot v3.4s, v23.16b, v16.4b[2]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4fb0ea80 // sdot v0.4s, v20.16b, v16.4b[3]
	WORD $0x4fb0eaa1 // sdot v1.4s, v21.16b, v16.4b[3]
	WORD $0x4fb0eac2 // sdot v2.4s, v22.16b, v16.4b[3]
	WORD $0x4fb0eae3 // sdot v3.4s, v23.16b, v16.4b[3]
	SUB $1, R13, R13
	CBNZ R13, s8SdotX1_m1_k16
s8SdotX1_m1_g1:
	CBZ R23, s8SdotX1_m1_tail
	MOVD R23, R13
s8SdotX1_m1_k4:
	VLD1R.P 4(R8), [V16.S4]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	SUB $1, R13, R13
	CBNZ R13, s8SdotX1_m1_k4
s8SdotX1_m1_tail:
	CBZ R5, s8SdotX1_m1_store
	MOVWU (R8)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V16.S4
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
s8SdotX1_m1_store:
	MOVD R6, R14
	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R14)
	MOVD $1, R19
	MUL R1, R19, R24
	ADD R24, R0, R0
	MUL R7, R19, R24
	ADD R24, R6, R6
	SUB $1, R2, R2
	B s8SdotX1_m1_loop
s8SdotX1_m1_done:
	RET

// func s8SmullX1(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int)
TEXT ·s8SmullX1(SB), NOSPLIT, $0-64
	MOVD a+0(FP), R0
	MOVD lda+8(FP), R1
	MOVD rows+16(FP), R2
	MOVD w+24(FP), R3
	MOVD kg+32(FP), R4
	MOVD kt+40(FP), R5
	MOVD c+48(FP), R6
	MOVD ldc+56(FP), R7
	LSL $2, R7, R7
	// Tail group: the 4 bytes ending at column k-1 (offset kt-4 past the
	// full groups), shifted right by 8·(4-kt); the padding weights are 0.
	SUB $4, R5, R20
	MOVD $4, R21
	SUB R5, R21, R21
	LSL $3, R21, R21
s8SmullX1_m2_loop:
	CMP $2, R2
	BLT s8SmullX1_m2_done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	MOVD R0, R8
	ADD R1, R8, R9
	MOVD R3, R12
	CBZ R4, s8SmullX1_m2_tail
	MOVD R4, R13
s8SmullX1_m2_k4:
	VLD1R.P 4(R8), [V20.S4]
	VLD1R.P 4(R9), [V21.S4]
	VLD1.P 64(R12), [V16.B16, V17.B16, V18.B16, V19.B16]
	WORD $0x0e34c216 // smull v22.8h, v16.8b, v20.8b
	WORD $0x4e34c217 // smull2 v23.8h, v16.16b, v20.16b
	WORD $0x4e606ac0 // sadalp v0.4s, v22.8h
	WORD $0x4e606ae1 // sadalp v1.4s, v23.8h
	WORD $0x0e34c238 // smull v24.8h, v17.8b, v20.8b
	WORD $0x4e34c239 // smull2 v25.8h, v17.16b, v20.16b
	WORD $0x4e606b02 // sadalp v2.4s, v24.8h
	WORD $0x4e606b23 // sadalp v3.4s, v25.8h
	WORD $0x0e34c256 // smull v22.8h, v18.8b, v20.8b
	WORD $0x4e34c257 // smull2 v23.8h, v18.16b, v20.16b
	WORD $0x4e606ac4 // sadalp v4.4s, v22.8h
	WORD $0x4e606ae5 // sadalp v5.4s, v23.8h
	WORD $0x0e34c278 // smull v24.8h, v19.8b, v20.8b
	WORD $0x4e34c279 // smull2 v25.8h, v19.16b, v20.16b
	WORD $0x4e606b06 // sadalp v6.4s, v24.8h
	WORD $0x4e606b27 // sadalp v7.4s, v25.8h
	WORD $0x0e35c216 // smull v22.8h, v16.8b, v21.8b
	WORD $0x4e35c217 // smull2 v23.8h, v16.16b, v21.16b
	WORD $0x4e606ac8 // sadalp v8.4s, v22.8h
	WORD $0x4e606ae9 // sadalp v9.4s, v23.8h
	WORD $0x0e35c238 // smull v24.8h, v17.8b, v21.8b
	WORD $0x4e35c239 // smull2 v25.8h, v17.16b, v21.16b
	WORD $0x4e606b0a // sadalp v10.4s, v24.8h
	WORD $0x4e606b2b // sadalp v11.4s, v25.8h
	WORD $0x0e35c256 // smull v22.8h, v18.8b, v21.8b
	WORD $0x4e35c257 // smull2 v23.8h, v18.16b, v21.16b
	WORD $0x4e606acc // sadalp v12.4s, v22.8h
	WORD $0x4e606aed // sadalp v13.4s, v23.8h
	WORD $0x0e35c278 // smull v24.8h, v19.8b, v21.8b
	WORD $0x4e35c279 // smull2 v25.8h, v19.16b, v21.16b
	WORD $0x4e606b0e // sadalp v14.4s, v24.8h
	WORD $0x4e606b2f // sadalp v15.4s, v25.8h
	SUB $1, R13, R13
	CBNZ R13, s8SmullX1_m2_k4
s8SmullX1_m2_tail:
	CBZ R5, s8SmullX1_m2_store
	MOVWU (R8)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V20.S4
	MOVWU (R9)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V21.S4
	VLD1.P 64(R12), [V16.B16, V17.B16, V18.B16, V19.B16]
	WORD $0x0e34c216 // smull v22.8h, v16.8b, v20.8b
	WORD $0x4e34c217 // smull2 v23.8h, v16.16b, v20.16b
	WORD $0x4e606ac0 // sadalp v0.4s, v22.8h
	WORD $0x4e606ae1 // sadalp v1.4s, v23.8h
	WORD $0x0e34c238 // smull v24.8h, v17.8b, v20.8b
	WORD $0x4e34c239 // smull2 v25.8h, v17.16b, v20.16b
	WORD $0x4e606b02 // sadalp v2.4s, v24.8h
	WORD $0x4e606b23 // sadalp v3.4s, v25.8h
	WORD $0x0e34c256 // smull v22.8h, v18.8b, v20.8b
	WORD $0x4e34c257 // smull2 v23.8h, v18.16b, v20.16b
	WORD $0x4e606ac4 // sadalp v4.4s, v22.8h
	WORD $0x4e606ae5 // sadalp v5.4s, v23.8h
	WORD $0x0e34c278 // smull v24.8h, v19.8b, v20.8b
	WORD $0x4e34c279 // smull2 v25.8h, v19.16b, v20.16b
	WORD $0x4e606b06 // sadalp v6.4s, v24.8h
	WORD $0x4e606b27 // sadalp v7.4s, v25.8h
	WORD $0x0e35c216 // smull v22.8h, v16.8b, v21.8b
	WORD $0x4e35c217 // smull2 v23.8h, v16.16b, v21.16b
	WORD $0x4e606ac8 // sadalp v8.4s, v22.8h
	WORD $0x4e606ae9 // sadalp v9.4s, v23.8h
	WORD $0x0e35c238 // smull v24.8h, v17.8b, v21.8b
	WORD $0x4e35c239 // smull2 v25.8h, v17.16b, v21.16b
	WORD $0x4e606b0a // sadalp v10.4s, v24.8h
	WORD $0x4e606b2b // sadalp v11.4s, v25.8h
	WORD $0x0e35c256 // smull v22.8h, v18.8b, v21.8b
	WORD $0x4e35c257 // smull2 v23.8h, v18.16b, v21.16b
	WORD $0x4e606acc // sadalp v12.4s, v22.8h
	WORD $0x4e606aed // sadalp v13.4s, v23.8h
	WORD $0x0e35c278 // smull v24.8h, v19.8b, v21.8b
	WORD $0x4e35c279 // smull2 v25.8h, v19.16b, v21.16b
	WORD $0x4e606b0e // sadalp v14.4s, v24.8h
	WORD $0x4e606b2f // sadalp v15.4s, v25.8h
s8SmullX1_m2_store:
	MOVD R6, R14
	ADD R7, R14, R15
	WORD $0x4ea1bc18 // addp v24.4s, v0.4s, v1.4s
	WORD $0x4ea3bc59 // addp v25.4s, v2.4s, v3.4s
	WORD $0x4ea5bc9a // addp v26.4s, v4.4s, v5.4s
	WORD $0x4ea7bcdb // addp v27.4s, v6.4s, v7.4s
	VST1 [V24.S4, V25.S4, V26.S4, V27.S4], (R14)
	WORD $0x4ea9bd18 // addp v24.4s, v8.4s, v9.4s
	WORD $0x4eabbd59 // addp v25.4s, v10.4s, v11.4s
	WORD $0x4eadbd9a // addp v26.4s, v12.4s, v13.4s
	WORD $0x4eafbddb // addp v27.4s, v14.4s, v15.4s
	VST1 [V24.S4, V25.S4, V26.S4, V27.S4], (R15)
	MOVD $2, R19
	MUL R1, R19, R24
	ADD R24, R0, R0
	MUL R7, R19, R24
	ADD R24, R6, R6
	SUB $2, R2, R2
	B s8SmullX1_m2_loop
s8SmullX1_m2_done:
s8SmullX1_m1_loop:
	CMP $1, R2
	BLT s8SmullX1_m1_done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	MOVD R0, R8
	MOVD R3, R12
	CBZ R4, s8SmullX1_m1_tail
	MOVD R4, R13
s8SmullX1_m1_k4:
	VLD1R.P 4(R8), [V20.S4]
	VLD1.P 64(R12), [V16.B16, V17.B16, V18.B16, V19.B16]
	WORD $0x0e34c216 // smull v22.8h, v16.8b, v20.8b
	WORD $0x4e34c217 // smull2 v23.8h, v16.16b, v20.16b
	WORD $0x4e606ac0 // sadalp v0.4s, v22.8h
	WORD $0x4e606ae1 // sadalp v1.4s, v23.8h
	WORD $0x0e34c238 // smull v24.8h, v17.8b, v20.8b
	WORD $0x4e34c239 // smull2 v25.8h, v17.16b, v20.16b
	WORD $0x4e606b02 // sadalp v2.4s, v24.8h
	WORD $0x4e606b23 // sadalp v3.4s, v25.8h
	WORD $0x0e34c256 // smull v22.8h, v18.8b, v20.8b
	WORD $0x4e34c257 // smull2 v23.8h, v18.16b, v20.16b
	WORD $0x4e606ac4 // sadalp v4.4s, v22.8h
	WORD $0x4e606ae5 // sadalp v5.4s, v23.8h
	WORD $0x0e34c278 // smull v24.8h, v19.8b, v20.8b
	WORD $0x4e34c279 // smull2 v25.8h, v19.16b, v20.16b
	WORD $0x4e606b06 // sadalp v6.4s, v24.8h
	WORD $0x4e606b27 // sadalp v7.4s, v25.8h
	SUB $1, R13, R13
	CBNZ R13, s8SmullX1_m1_k4
s8SmullX1_m1_tail:
	CBZ R5, s8SmullX1_m1_store
	MOVWU (R8)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V20.S4
	VLD1.P 64(R12), [V16.B16, V17.B16, V18.B16, V19.B16]
	WORD $0x0e34c216 // smull v22.8h, v16.8b, v20.8b
	WORD $0x4e34c217 // smull2 v23.8h, v16.16b, v20.16b
	WORD $0x4e606ac0 // sadalp v0.4s, v22.8h
	WORD $0x4e606ae1 // sadalp v1.4s, v23.8h
	WORD $0x0e34c238 // smull v24.8h, v17.8b, v20.8b
	WORD $0x4e34c239 // smull2 v25.8h, v17.16b, v20.16b
	WORD $0x4e606b02 // sadalp v2.4s, v24.8h
	WORD $0x4e606b23 // sadalp v3.4s, v25.8h
	WORD $0x0e34c256 // smull v22.8h, v18.8b, v20.8b
	WORD $0x4e34c257 // smull2 v23.8h, v18.16b, v20.16b
	WORD $0x4e606ac4 // sadalp v4.4s, v22.8h
	WORD $0x4e606ae5 // sadalp v5.4s, v23.8h
	WORD $0x0e34c278 // smull v24.8h, v19.8b, v20.8b
	WORD $0x4e34c279 // smull2 v25.8h, v19.16b, v20.16b
	WORD $0x4e606b06 // sadalp v6.4s, v24.8h
	WORD $0x4e606b27 // sadalp v7.4s, v25.8h
s8SmullX1_m1_store:
	MOVD R6, R14
	WORD $0x4ea1bc18 // addp v24.4s, v0.4s, v1.4s
	WORD $0x4ea3bc59 // addp v25.4s, v2.4s, v3.4s
	WORD $0x4ea5bc9a // addp v26.4s, v4.4s, v5.4s
	WORD $0x4ea7bcdb // addp v27.4s, v6.4s, v7.4s
	VST1 [V24.S4, V25.S4, V26.S4, V27.S4], (R14)
	MOVD $1, R19
	MUL R1, R19, R24
	ADD R24, R0, R0
	MUL R7, R19, R24
	ADD R24, R6, R6
	SUB $1, R2, R2
	B s8SmullX1_m1_loop
s8SmullX1_m1_done:
	RET

// func s8SdotX1Q(a *int8, lda, rows int, w *int8, kg, kt int, out *int8, ldo int, bias *int32, scale *float32, zp int32, flo, fhi float32)
// The same tiles as the int32 kernel, requantized in registers as
// requantFP32Go does; one whole 16-column panel.
TEXT ·s8SdotX1Q(SB), NOSPLIT, $0-92
	MOVD a+0(FP), R0
	MOVD lda+8(FP), R1
	MOVD rows+16(FP), R2
	MOVD w+24(FP), R3
	MOVD kg+32(FP), R4
	MOVD kt+40(FP), R5
	MOVD out+48(FP), R6
	MOVD ldo+56(FP), R7
	MOVWU zp+80(FP), R19
	VDUP R19, V30.S4
	MOVWU flo+84(FP), R19
	VDUP R19, V28.S4
	MOVWU fhi+88(FP), R19
	VDUP R19, V29.S4
	// Tail group: the 4 bytes ending at column k-1 (offset kt-4 past the
	// full groups), shifted right by 8·(4-kt); the padding weights are 0.
	SUB $4, R5, R20
	MOVD $4, R21
	SUB R5, R21, R21
	LSL $3, R21, R21
	LSR $2, R4, R22 // groups of 4 groups (16 k)
	AND $3, R4, R23 // single groups left
s8SdotX1Q_m4_loop:
	CMP $4, R2
	BLT s8SdotX1Q_m4_done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	MOVD R0, R8
	ADD R1, R8, R9
	ADD R1, R9, R10
	ADD R1, R10, R11
	MOVD R3, R12
	CBZ R22, s8SdotX1Q_m4_g1
	MOVD R22, R13
s8SdotX1Q_m4_k16:
	VLD1.P 16(R8), [V16.B16]
	VLD1.P 16(R9), [V17.B16]
	VLD1.P 16(R10), [V18.B16]
	VLD1.P 16(R11), [V19.B16]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	WORD $0x4f91e284 // sdot v4.4s, v20.16b, v17.4b[0]
	WORD $0x4f91e2a5 // sdot v5.4s, v21.16b, v17.4b[0]
	WORD $0x4f91e2c6 // sdot v6.4s, v22.16b, v17.4b[0]
	WORD $0x4f91e2e7 // sdot v7.4s, v23.16b, v17.4b[0]
	WORD $0x4f92e288 // sdot v8.4s, v20.16b, v18.4b[0]
	WORD $0x4f92e2a9 // sdot v9.4s, v21.16b, v18.4b[0]
	WORD $0x4f92e2ca // sdot v10.4s, v22.16b, v18.4b[0]
	WORD $0x4f92e2eb // sdot v11.4s, v23.16b, v18.4b[0]
	WORD $0x4f93e28c // sdot v12.4s, v20.16b, v19.4b[0]
	WORD $0x4f93e2ad // sdot v13.4s, v21.16b, v19.4b[0]
	WORD $0x4f93e2ce // sdot v14.4s, v22.16b, v19.4b[0]
	WORD $0x4f93e2ef // sdot v15.4s, v23.16b, v19.4b[0]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4fb0e280 // sdot v0.4s, v20.16b, v16.4b[1]
	WORD $0x4fb0e2a1 // sdot v1.4s, v21.16b, v16.4b[1]
	WORD $0x4fb0e2c2 // sdot v2.4s, v22.16b, v16.4b[1]
	WORD $0x4fb0e2e3 // sdot v3.4s, v23.16b, v16.4b[1]
	WORD $0x4fb1e284 // sdot v4.4s, v20.16b, v17.4b[1]
	WORD $0x4fb1e2a5 // sdot v5.4s, v21.16b, v17.4b[1]
	WORD $0x4fb1e2c6 // sdot v6.4s, v22.16b, v17.4b[1]
	WORD $0x4fb1e2e7 // sdot v7.4s, v23.16b, v17.4b[1]
	WORD $0x4fb2e288 // sdot v8.4s, v20.16b, v18.4b[1]
	WORD $0x4fb2e2a9 // sdot v9.4s, v21.16b, v18.4b[1]
	WORD $0x4fb2e2ca // sdot v10.4s, v22.16b, v18.4b[1]
	WORD $0x4fb2e2eb // sdot v11.4s, v23.16b, v18.4b[1]
	WORD $0x4fb3e28c // sdot v12.4s, v20.16b, v19.4b[1]
	WORD $0x4fb3e2ad // sdot v13.4s, v21.16b, v19.4b[1]
	WORD $0x4fb3e2ce // sdot v14.4s, v22.16b, v19.4b[1]
	WORD $0x4fb3e2ef // sdot v15.4s, v23.16b, v19.4b[1]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90ea80 // sdot v0.4s, v20.16b, v16.4b[2]
	WORD $0x4f90eaa1 // sdot v1.4s, v21.16b, v16.4b[2]
	WORD $0x4f90eac2 // sdot v2.4s, v22.16b, v16.4b[2]
	WORD $0x4f90eae3 // sdot v3.4s, v23.16b, v16.4b[2]
	WORD $0x4f91ea84 // sdot v4.4s, v20.16b, v17.4b[2]
	WORD $0x4f91eaa5 // sdot v5.4s, v21.16b, v17.4b[2]
	WORD $0x4f91eac6 // sdot v6.4s, v22.16b, v17.4b[2]
	WORD $0x4f91eae7 // sdot v7.4s, v23.16b, v17.4b[2]
	WORD $0x4f92ea88 // sdot v8.4s, v20.16b, v18.4b[2]
	WORD $0x4f92eaa9 // sdot v9.4s, v21.16b, v18.4b[2]
	WORD $0x4f92eaca // sdot v10.4s, v22.16b, v18.4b[2]
	WORD $0x4f92eaeb // sdot v11.4s, v23.16b, v18.4b[2]
	WORD $0x4f93ea8c // sdot v12.4s, v20.16b, v19.4b[2]
	WORD $0x4f93eaad // sdot v13.4s, v21.16b, v19.4b[2]
	WORD $0x4f93eace // sdot v14.4s, v22.16b, v19.4b[2]
	WORD $0x4f93eaef // sdot v15.4s, v23.16b, v19.4b[2]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4fb0ea80 // sdot v0.4s, v20.16b, v16.4b[3]
	WORD $0x4fb0eaa1 // sdot v1.4s, v21.16b, v16.4b[3]
	WORD $0x4fb0eac2 // sdot v2.4s, v22.16b, v16.4b[3]
	WORD $0x4fb0eae3 // sdot v3.4s, v23.16b, v16.4b[3]
	WORD $0x4fb1ea84 // sdot v4.4s, v20.16b, v17.4b[3]
	WORD $0x4fb1eaa5 // sdot v5.4s, v21.16b, v17.4b[3]
	WORD $0x4fb1eac6 // sdot v6.4s, v22.16b, v17.4b[3]
	WORD $0x4fb1eae7 // sdot v7.4s, v23.16b, v17.4b[3]
	WORD $0x4fb2ea88 // sdot v8.4s, v20.16b, v18.4b[3]
	WORD $0x4fb2eaa9 // sdot v9.4s, v21.16b, v18.4b[3]
	WORD $0x4fb2eaca // sdot v10.4s, v22.16b, v18.4b[3]
	WORD $0x4fb2eaeb // sdot v11.4s, v23.16b, v18.4b[3]
	WORD $0x4fb3ea8c // sdot v12.4s, v20.16b, v19.4b[3]
	WORD $0x4fb3eaad // sdot v13.4s, v21.16b, v19.4b[3]
	WORD $0x4fb3eace // sdot v14.4s, v22.16b, v19.4b[3]
	WORD $0x4fb3eaef // sdot v15.4s, v23.16b, v19.4b[3]
	SUB $1, R13, R13
	CBNZ R13, s8SdotX1Q_m4_k16
s8SdotX1Q_m4_g1:
	CBZ R23, s8SdotX1Q_m4_tail
	MOVD R23, R13
s8SdotX1Q_m4_k4:
	VLD1R.P 4(R8), [V16.S4]
	VLD1R.P 4(R9), [V17.S4]
	VLD1R.P 4(R10), [V18.S4]
	VLD1R.P 4(R11), [V19.S4]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	WORD $0x4f91e284 // sdot v4.4s, v20.16b, v17.4b[0]
	WORD $0x4f91e2a5 // sdot v5.4s, v21.16b, v17.4b[0]
	WORD $0x4f91e2c6 // sdot v6.4s, v22.16b, v17.4b[0]
	WORD $0x4f91e2e7 // sdot v7.4s, v23.16b, v17.4b[0]
	WORD $0x4f92e288 // sdot v8.4s, v20.16b, v18.4b[0]
	WORD $0x4f92e2a9 // sdot v9.4s, v21.16b, v18.4b[0]
	WORD $0x4f92e2ca // sdot v10.4s, v22.16b, v18.4b[0]
	WORD $0x4f92e2eb // sdot v11.4s, v23.16b, v18.4b[0]
	WORD $0x4f93e28c // sdot v12.4s, v20.16b, v19.4b[0]
	WORD $0x4f93e2ad // sdot v13.4s, v21.16b, v19.4b[0]
	WORD $0x4f93e2ce // sdot v14.4s, v22.16b, v19.4b[0]
	WORD $0x4f93e2ef // sdot v15.4s, v23.16b, v19.4b[0]
	SUB $1, R13, R13
	CBNZ R13, s8SdotX1Q_m4_k4
s8SdotX1Q_m4_tail:
	CBZ R5, s8SdotX1Q_m4_store
	MOVWU (R8)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V16.S4
	MOVWU (R9)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V17.S4
	MOVWU (R10)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V18.S4
	MOVWU (R11)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V19.S4
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	WORD $0x4f91e284 // sdot v4.4s, v20.16b, v17.4b[0]
	WORD $0x4f91e2a5 // sdot v5.4s, v21.16b, v17.4b[0]
	WORD $0x4f91e2c6 // sdot v6.4s, v22.16b, v17.4b[0]
	WORD $0x4f91e2e7 // sdot v7.4s, v23.16b, v17.4b[0]
	WORD $0x4f92e288 // sdot v8.4s, v20.16b, v18.4b[0]
	WORD $0x4f92e2a9 // sdot v9.4s, v21.16b, v18.4b[0]
	WORD $0x4f92e2ca // sdot v10.4s, v22.16b, v18.4b[0]
	WORD $0x4f92e2eb // sdot v11.4s, v23.16b, v18.4b[0]
	WORD $0x4f93e28c // sdot v12.4s, v20.16b, v19.4b[0]
	WORD $0x4f93e2ad // sdot v13.4s, v21.16b, v19.4b[0]
	WORD $0x4f93e2ce // sdot v14.4s, v22.16b, v19.4b[0]
	WORD $0x4f93e2ef // sdot v15.4s, v23.16b, v19.4b[0]
s8SdotX1Q_m4_store:
	MOVD R6, R14
	ADD R7, R14, R15
	ADD R7, R15, R16
	ADD R7, R16, R17
	MOVD bias+64(FP), R19
	VLD1 (R19), [V16.S4, V17.S4, V18.S4, V19.S4]
	MOVD scale+72(FP), R19
	VLD1 (R19), [V20.S4, V21.S4, V22.S4, V23.S4]
	WORD $0x4eb08400 // add v0.4s, v0.4s, v16.4s
	WORD $0x4e21d800 // scvtf v0.4s, v0.4s
	WORD $0x6e34dc00 // fmul v0.4s, v0.4s, v20.4s
	WORD $0x4e3cf400 // fmax v0.4s, v0.4s, v28.4s
	WORD $0x4ebdf400 // fmin v0.4s, v0.4s, v29.4s
	WORD $0x4e21a800 // fcvtns v0.4s, v0.4s
	WORD $0x4ebe8400 // add v0.4s, v0.4s, v30.4s
	WORD $0x4eb18421 // add v1.4s, v1.4s, v17.4s
	WORD $0x4e21d821 // scvtf v1.4s, v1.4s
	WORD $0x6e35dc21 // fmul v1.4s, v1.4s, v21.4s
	WORD $0x4e3cf421 // fmax v1.4s, v1.4s, v28.4s
	WORD $0x4ebdf421 // fmin v1.4s, v1.4s, v29.4s
	WORD $0x4e21a821 // fcvtns v1.4s, v1.4s
	WORD $0x4ebe8421 // add v1.4s, v1.4s, v30.4s
	WORD $0x4eb28442 // add v2.4s, v2.4s, v18.4s
	WORD $0x4e21d842 // scvtf v2.4s, v2.4s
	WORD $0x6e36dc42 // fmul v2.4s, v2.4s, v22.4s
	WORD $0x4e3cf442 // fmax v2.4s, v2.4s, v28.4s
	WORD $0x4ebdf442 // fmin v2.4s, v2.4s, v29.4s
	WORD $0x4e21a842 // fcvtns v2.4s, v2.4s
	WORD $0x4ebe8442 // add v2.4s, v2.4s, v30.4s
	WORD $0x4eb38463 // add v3.4s, v3.4s, v19.4s
	WORD $0x4e21d863 // scvtf v3.4s, v3.4s
	WORD $0x6e37dc63 // fmul v3.4s, v3.4s, v23.4s
	WORD $0x4e3cf463 // fmax v3.4s, v3.4s, v28.4s
	WORD $0x4ebdf463 // fmin v3.4s, v3.4s, v29.4s
	WORD $0x4e21a863 // fcvtns v3.4s, v3.4s
	WORD $0x4ebe8463 // add v3.4s, v3.4s, v30.4s
	WORD $0x0e614818 // sqxtn v24.4h, v0.4s
	WORD $0x4e614838 // sqxtn2 v24.8h, v1.4s
	WORD $0x0e614859 // sqxtn v25.4h, v2.4s
	WORD $0x4e614879 // sqxtn2 v25.8h, v3.4s
	WORD $0x0e214b18 // sqxtn v24.8b, v24.8h
	WORD $0x4e214b38 // sqxtn2 v24.16b, v25.8h
	VST1 [V24.B16], (R14)
	WORD $0x4eb08484 // add v4.4s, v4.4s, v16.4s
	WORD $0x4e21d884 // scvtf v4.4s, v4.4s
	WORD $0x6e34dc84 // fmul v4.4s, v4.4s, v20.4s
	WORD $0x4e3cf484 // fmax v4.4s, v4.4s, v28.4s
	WORD $0x4ebdf484 // fmin v4.4s, v4.4s, v29.4s
	WORD $0x4e21a884 // fcvtns v4.4s, v4.4s
	WORD $0x4ebe8484 // add v4.4s, v4.4s, v30.4s
	WORD $0x4eb184a5 // add v5.4s, v5.4s, v17.4s
	WORD $0x4e21d8a5 // scvtf v5.4s, v5.4s
	WORD $0x6e35dca5 // fmul v5.4s, v5.4s, v21.4s
	WORD $0x4e3cf4a5 // fmax v5.4s, v5.4s, v28.4s
	WORD $0x4ebdf4a5 // fmin v5.4s, v5.4s, v29.4s
	WORD $0x4e21a8a5 // fcvtns v5.4s, v5.4s
	WORD $0x4ebe84a5 // add v5.4s, v5.4s, v30.4s
	WORD $0x4eb284c6 // add v6.4s, v6.4s, v18.4s
	WORD $0x4e21d8c6 // scvtf v6.4s, v6.4s
	WORD $0x6e36dcc6 // fmul v6.4s, v6.4s, v22.4s
	WORD $0x4e3cf4c6 // fmax v6.4s, v6.4s, v28.4s
	WORD $0x4ebdf4c6 // fmin v6.4s, v6.4s, v29.4s
	WORD $0x4e21a8c6 // fcvtns v6.4s, v6.4s
	WORD $0x4ebe84c6 // add v6.4s, v6.4s, v30.4s
	WORD $0x4eb384e7 // add v7.4s, v7.4s, v19.4s
	WORD $0x4e21d8e7 // scvtf v7.4s, v7.4s
	WORD $0x6e37dce7 // fmul v7.4s, v7.4s, v23.4s
	WORD $0x4e3cf4e7 // fmax v7.4s, v7.4s, v28.4s
	WORD $0x4ebdf4e7 // fmin v7.4s, v7.4s, v29.4s
	WORD $0x4e21a8e7 // fcvtns v7.4s, v7.4s
	WORD $0x4ebe84e7 // add v7.4s, v7.4s, v30.4s
	WORD $0x0e614898 // sqxtn v24.4h, v4.4s
	WORD $0x4e6148b8 // sqxtn2 v24.8h, v5.4s
	WORD $0x0e6148d9 // sqxtn v25.4h, v6.4s
	WORD $0x4e6148f9 // sqxtn2 v25.8h, v7.4s
	WORD $0x0e214b18 // sqxtn v24.8b, v24.8h
	WORD $0x4e214b38 // sqxtn2 v24.16b, v25.8h
	VST1 [V24.B16], (R15)
	WORD $0x4eb08508 // add v8.4s, v8.4s, v16.4s
	WORD $0x4e21d908 // scvtf v8.4s, v8.4s
	WORD $0x6e34dd08 // fmul v8.4s, v8.4s, v20.4s
	WORD $0x4e3cf508 // fmax v8.4s, v8.4s, v28.4s
	WORD $0x4ebdf508 // fmin v8.4s, v8.4s, v29.4s
	WORD $0x4e21a908 // fcvtns v8.4s, v8.4s
	WORD $0x4ebe8508 // add v8.4s, v8.4s, v30.4s
	WORD $0x4eb18529 // add v9.4s, v9.4s, v17.4s
	WORD $0x4e21d929 // scvtf v9.4s, v9.4s
	WORD $0x6e35dd29 // fmul v9.4s, v9.4s, v21.4s
	WORD $0x4e3cf529 // fmax v9.4s, v9.4s, v28.4s
	WORD $0x4ebdf529 // fmin v9.4s, v9.4s, v29.4s
	WORD $0x4e21a929 // fcvtns v9.4s, v9.4s
	WORD $0x4ebe8529 // add v9.4s, v9.4s, v30.4s
	WORD $0x4eb2854a // add v10.4s, v10.4s, v18.4s
	WORD $0x4e21d94a // scvtf v10.4s, v10.4s
	WORD $0x6e36dd4a // fmul v10.4s, v10.4s, v22.4s
	WORD $0x4e3cf54a // fmax v10.4s, v10.4s, v28.4s
	WORD $0x4ebdf54a // fmin v10.4s, v10.4s, v29.4s
	WORD $0x4e21a94a // fcvtns v10.4s, v10.4s
	WORD $0x4ebe854a // add v10.4s, v10.4s, v30.4s
	WORD $0x4eb3856b // add v11.4s, v11.4s, v19.4s
	WORD $0x4e21d96b // scvtf v11.4s, v11.4s
	WORD $0x6e37dd6b // fmul v11.4s, v11.4s, v23.4s
	WORD $0x4e3cf56b // fmax v11.4s, v11.4s, v28.4s
	WORD $0x4ebdf56b // fmin v11.4s, v11.4s, v29.4s
	WORD $0x4e21a96b // fcvtns v11.4s, v11.4s
	WORD $0x4ebe856b // add v11.4s, v11.4s, v30.4s
	WORD $0x0e614918 // sqxtn v24.4h, v8.4s
	WORD $0x4e614938 // sqxtn2 v24.8h, v9.4s
	WORD $0x0e614959 // sqxtn v25.4h, v10.4s
	WORD $0x4e614979 // sqxtn2 v25.8h, v11.4s
	WORD $0x0e214b18 // sqxtn v24.8b, v24.8h
	WORD $0x4e214b38 // sqxtn2 v24.16b, v25.8h
	VST1 [V24.B16], (R16)
	WORD $0x4eb0858c // add v12.4s, v12.4s, v16.4s
	WORD $0x4e21d98c // scvtf v12.4s, v12.4s
	WORD $0x6e34dd8c // fmul v12.4s, v12.4s, v20.4s
	WORD $0x4e3cf58c // fmax v12.4s, v12.4s, v28.4s
	WORD $0x4ebdf58c // fmin v12.4s, v12.4s, v29.4s
	WORD $0x4e21a98c // fcvtns v12.4s, v12.4s
	WORD $0x4ebe858c // add v12.4s, v12.4s, v30.4s
	WORD $0x4eb185ad // add v13.4s, v13.4s, v17.4s
	WORD $0x4e21d9ad // scvtf v13.4s, v13.4s
	WORD $0x6e35ddad // fmul v13.4s, v13.4s, v21.4s
	WORD $0x4e3cf5ad // fmax v13.4s, v13.4s, v28.4s
	WORD $0x4ebdf5ad // fmin v13.4s, v13.4s, v29.4s
	WORD $0x4e21a9ad // fcvtns v13.4s, v13.4s
	WORD $0x4ebe85ad // add v13.4s, v13.4s, v30.4s
	WORD $0x4eb285ce // add v14.4s, v14.4s, v18.4s
	WORD $0x4e21d9ce // scvtf v14.4s, v14.4s
	WORD $0x6e36ddce // fmul v14.4s, v14.4s, v22.4s
	WORD $0x4e3cf5ce // fmax v14.4s, v14.4s, v28.4s
	WORD $0x4ebdf5ce // fmin v14.4s, v14.4s, v29.4s
	WORD $0x4e21a9ce // fcvtns v14.4s, v14.4s
	WORD $0x4ebe85ce // add v14.4s, v14.4s, v30.4s
	WORD $0x4eb385ef // add v15.4s, v15.4s, v19.4s
	WORD $0x4e21d9ef // scvtf v15.4s, v15.4s
	WORD $0x6e37ddef // fmul v15.4s, v15.4s, v23.4s
	WORD $0x4e3cf5ef // fmax v15.4s, v15.4s, v28.4s
	WORD $0x4ebdf5ef // fmin v15.4s, v15.4s, v29.4s
	WORD $0x4e21a9ef // fcvtns v15.4s, v15.4s
	WORD $0x4ebe85ef // add v15.4s, v15.4s, v30.4s
	WORD $0x0e614998 // sqxtn v24.4h, v12.4s
	WORD $0x4e6149b8 // sqxtn2 v24.8h, v13.4s
	WORD $0x0e6149d9 // sqxtn v25.4h, v14.4s
	WORD $0x4e6149f9 // sqxtn2 v25.8h, v15.4s
	WORD $0x0e214b18 // sqxtn v24.8b, v24.8h
	WORD $0x4e214b38 // sqxtn2 v24.16b, v25.8h
	VST1 [V24.B16], (R17)
	MOVD $4, R19
	MUL R1, R19, R24
	ADD R24, R0, R0
	MUL R7, R19, R24
	ADD R24, R6, R6
	SUB $4, R2, R2
	B s8SdotX1Q_m4_loop
s8SdotX1Q_m4_done:
s8SdotX1Q_m1_loop:
	CMP $1, R2
	BLT s8SdotX1Q_m1_done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	MOVD R0, R8
	MOVD R3, R12
	CBZ R22, s8SdotX1Q_m1_g1
	MOVD R22, R13
s8SdotX1Q_m1_k16:
	VLD1.P 16(R8), [V16.B16]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4fb0e280 // sdot v0.4s, v20.16b, v16.4b[1]
	WORD $0x4fb0e2a1 // sdot v1.4s, v21.16b, v16.4b[1]
	WORD $0x4fb0e2c2 // sdot v2.4s, v22.16b, v16.4b[1]
	WORD $0x4fb0e2e3 // sdot v3.4s, v23.16b, v16.4b[1]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90ea80 // sdot v0.4s, v20.16b, v16.4b[2]
	WORD $0x4f90eaa1 // sdot v1.4s, v21.16b, v16.4b[2]
	WORD $0x4f90eac2 // sdot v2.4s, v22.16b, v16.4b[2]
	WORD $0x4f90eae3 // sdot v3.4s, v23.16b, v16.4b[2]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4fb0ea80 // sdot v0.4s, v20.16b, v16.4b[3]
	WORD $0x4fb0eaa1 // sdot v1.4s, v21.16b, v16.4b[3]
	WORD $0x4fb0eac2 // sdot v2.4s, v22.16b, v16.4b[3]
	WORD $0x4fb0eae3 // sdot v3.4s, v23.16b, v16.4b[3]
	SUB $1, R13, R13
	CBNZ R13, s8SdotX1Q_m1_k16
s8SdotX1Q_m1_g1:
	CBZ R23, s8SdotX1Q_m1_tail
	MOVD R23, R13
s8SdotX1Q_m1_k4:
	VLD1R.P 4(R8), [V16.S4]
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
	SUB $1, R13, R13
	CBNZ R13, s8SdotX1Q_m1_k4
s8SdotX1Q_m1_tail:
	CBZ R5, s8SdotX1Q_m1_store
	MOVWU (R8)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V16.S4
	VLD1.P 64(R12), [V20.B16, V21.B16, V22.B16, V23.B16]
	WORD $0x4f90e280 // sdot v0.4s, v20.16b, v16.4b[0]
	WORD $0x4f90e2a1 // sdot v1.4s, v21.16b, v16.4b[0]
	WORD $0x4f90e2c2 // sdot v2.4s, v22.16b, v16.4b[0]
	WORD $0x4f90e2e3 // sdot v3.4s, v23.16b, v16.4b[0]
s8SdotX1Q_m1_store:
	MOVD R6, R14
	MOVD bias+64(FP), R19
	VLD1 (R19), [V16.S4, V17.S4, V18.S4, V19.S4]
	MOVD scale+72(FP), R19
	VLD1 (R19), [V20.S4, V21.S4, V22.S4, V23.S4]
	WORD $0x4eb08400 // add v0.4s, v0.4s, v16.4s
	WORD $0x4e21d800 // scvtf v0.4s, v0.4s
	WORD $0x6e34dc00 // fmul v0.4s, v0.4s, v20.4s
	WORD $0x4e3cf400 // fmax v0.4s, v0.4s, v28.4s
	WORD $0x4ebdf400 // fmin v0.4s, v0.4s, v29.4s
	WORD $0x4e21a800 // fcvtns v0.4s, v0.4s
	WORD $0x4ebe8400 // add v0.4s, v0.4s, v30.4s
	WORD $0x4eb18421 // add v1.4s, v1.4s, v17.4s
	WORD $0x4e21d821 // scvtf v1.4s, v1.4s
	WORD $0x6e35dc21 // fmul v1.4s, v1.4s, v21.4s
	WORD $0x4e3cf421 // fmax v1.4s, v1.4s, v28.4s
	WORD $0x4ebdf421 // fmin v1.4s, v1.4s, v29.4s
	WORD $0x4e21a821 // fcvtns v1.4s, v1.4s
	WORD $0x4ebe8421 // add v1.4s, v1.4s, v30.4s
	WORD $0x4eb28442 // add v2.4s, v2.4s, v18.4s
	WORD $0x4e21d842 // scvtf v2.4s, v2.4s
	WORD $0x6e36dc42 // fmul v2.4s, v2.4s, v22.4s
	WORD $0x4e3cf442 // fmax v2.4s, v2.4s, v28.4s
	WORD $0x4ebdf442 // fmin v2.4s, v2.4s, v29.4s
	WORD $0x4e21a842 // fcvtns v2.4s, v2.4s
	WORD $0x4ebe8442 // add v2.4s, v2.4s, v30.4s
	WORD $0x4eb38463 // add v3.4s, v3.4s, v19.4s
	WORD $0x4e21d863 // scvtf v3.4s, v3.4s
	WORD $0x6e37dc63 // fmul v3.4s, v3.4s, v23.4s
	WORD $0x4e3cf463 // fmax v3.4s, v3.4s, v28.4s
	WORD $0x4ebdf463 // fmin v3.4s, v3.4s, v29.4s
	WORD $0x4e21a863 // fcvtns v3.4s, v3.4s
	WORD $0x4ebe8463 // add v3.4s, v3.4s, v30.4s
	WORD $0x0e614818 // sqxtn v24.4h, v0.4s
	WORD $0x4e614838 // sqxtn2 v24.8h, v1.4s
	WORD $0x0e614859 // sqxtn v25.4h, v2.4s
	WORD $0x4e614879 // sqxtn2 v25.8h, v3.4s
	WORD $0x0e214b18 // sqxtn v24.8b, v24.8h
	WORD $0x4e214b38 // sqxtn2 v24.16b, v25.8h
	VST1 [V24.B16], (R14)
	MOVD $1, R19
	MUL R1, R19, R24
	ADD R24, R0, R0
	MUL R7, R19, R24
	ADD R24, R6, R6
	SUB $1, R2, R2
	B s8SdotX1Q_m1_loop
s8SdotX1Q_m1_done:
	RET

// func s8SmullX1Q(a *int8, lda, rows int, w *int8, kg, kt int, out *int8, ldo int, bias *int32, scale *float32, zp int32, flo, fhi float32)
// The same tiles as the int32 kernel, requantized in registers as
// requantFP32Go does; one whole 16-column panel.
TEXT ·s8SmullX1Q(SB), NOSPLIT, $0-92
	MOVD a+0(FP), R0
	MOVD lda+8(FP), R1
	MOVD rows+16(FP), R2
	MOVD w+24(FP), R3
	MOVD kg+32(FP), R4
	MOVD kt+40(FP), R5
	MOVD out+48(FP), R6
	MOVD ldo+56(FP), R7
	MOVWU zp+80(FP), R19
	VDUP R19, V30.S4
	MOVWU flo+84(FP), R19
	VDUP R19, V28.S4
	MOVWU fhi+88(FP), R19
	VDUP R19, V29.S4
	// Tail group: the 4 bytes ending at column k-1 (offset kt-4 past the
	// full groups), shifted right by 8·(4-kt); the padding weights are 0.
	SUB $4, R5, R20
	MOVD $4, R21
	SUB R5, R21, R21
	LSL $3, R21, R21
s8SmullX1Q_m2_loop:
	CMP $2, R2
	BLT s8SmullX1Q_m2_done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	MOVD R0, R8
	ADD R1, R8, R9
	MOVD R3, R12
	CBZ R4, s8SmullX1Q_m2_tail
	MOVD R4, R13
s8SmullX1Q_m2_k4:
	VLD1R.P 4(R8), [V20.S4]
	VLD1R.P 4(R9), [V21.S4]
	VLD1.P 64(R12), [V16.B16, V17.B16, V18.B16, V19.B16]
	WORD $0x0e34c216 // smull v22.8h, v16.8b, v20.8b
	WORD $0x4e34c217 // smull2 v23.8h, v16.16b, v20.16b
	WORD $0x4e606ac0 // sadalp v0.4s, v22.8h
	WORD $0x4e606ae1 // sadalp v1.4s, v23.8h
	WORD $0x0e34c238 // smull v24.8h, v17.8b, v20.8b
	WORD $0x4e34c239 // smull2 v25.8h, v17.16b, v20.16b
	WORD $0x4e606b02 // sadalp v2.4s, v24.8h
	WORD $0x4e606b23 // sadalp v3.4s, v25.8h
	WORD $0x0e34c256 // smull v22.8h, v18.8b, v20.8b
	WORD $0x4e34c257 // smull2 v23.8h, v18.16b, v20.16b
	WORD $0x4e606ac4 // sadalp v4.4s, v22.8h
	WORD $0x4e606ae5 // sadalp v5.4s, v23.8h
	WORD $0x0e34c278 // smull v24.8h, v19.8b, v20.8b
	WORD $0x4e34c279 // smull2 v25.8h, v19.16b, v20.16b
	WORD $0x4e606b06 // sadalp v6.4s, v24.8h
	WORD $0x4e606b27 // sadalp v7.4s, v25.8h
	WORD $0x0e35c216 // smull v22.8h, v16.8b, v21.8b
	WORD $0x4e35c217 // smull2 v23.8h, v16.16b, v21.16b
	WORD $0x4e606ac8 // sadalp v8.4s, v22.8h
	WORD $0x4e606ae9 // sadalp v9.4s, v23.8h
	WORD $0x0e35c238 // smull v24.8h, v17.8b, v21.8b
	WORD $0x4e35c239 // smull2 v25.8h, v17.16b, v21.16b
	WORD $0x4e606b0a // sadalp v10.4s, v24.8h
	WORD $0x4e606b2b // sadalp v11.4s, v25.8h
	WORD $0x0e35c256 // smull v22.8h, v18.8b, v21.8b
	WORD $0x4e35c257 // smull2 v23.8h, v18.16b, v21.16b
	WORD $0x4e606acc // sadalp v12.4s, v22.8h
	WORD $0x4e606aed // sadalp v13.4s, v23.8h
	WORD $0x0e35c278 // smull v24.8h, v19.8b, v21.8b
	WORD $0x4e35c279 // smull2 v25.8h, v19.16b, v21.16b
	WORD $0x4e606b0e // sadalp v14.4s, v24.8h
	WORD $0x4e606b2f // sadalp v15.4s, v25.8h
	SUB $1, R13, R13
	CBNZ R13, s8SmullX1Q_m2_k4
s8SmullX1Q_m2_tail:
	CBZ R5, s8SmullX1Q_m2_store
	MOVWU (R8)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V20.S4
	MOVWU (R9)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V21.S4
	VLD1.P 64(R12), [V16.B16, V17.B16, V18.B16, V19.B16]
	WORD $0x0e34c216 // smull v22.8h, v16.8b, v20.8b
	WORD $0x4e34c217 // smull2 v23.8h, v16.16b, v20.16b
	WORD $0x4e606ac0 // sadalp v0.4s, v22.8h
	WORD $0x4e606ae1 // sadalp v1.4s, v23.8h
	WORD $0x0e34c238 // smull v24.8h, v17.8b, v20.8b
	WORD $0x4e34c239 // smull2 v25.8h, v17.16b, v20.16b
	WORD $0x4e606b02 // sadalp v2.4s, v24.8h
	WORD $0x4e606b23 // sadalp v3.4s, v25.8h
	WORD $0x0e34c256 // smull v22.8h, v18.8b, v20.8b
	WORD $0x4e34c257 // smull2 v23.8h, v18.16b, v20.16b
	WORD $0x4e606ac4 // sadalp v4.4s, v22.8h
	WORD $0x4e606ae5 // sadalp v5.4s, v23.8h
	WORD $0x0e34c278 // smull v24.8h, v19.8b, v20.8b
	WORD $0x4e34c279 // smull2 v25.8h, v19.16b, v20.16b
	WORD $0x4e606b06 // sadalp v6.4s, v24.8h
	WORD $0x4e606b27 // sadalp v7.4s, v25.8h
	WORD $0x0e35c216 // smull v22.8h, v16.8b, v21.8b
	WORD $0x4e35c217 // smull2 v23.8h, v16.16b, v21.16b
	WORD $0x4e606ac8 // sadalp v8.4s, v22.8h
	WORD $0x4e606ae9 // sadalp v9.4s, v23.8h
	WORD $0x0e35c238 // smull v24.8h, v17.8b, v21.8b
	WORD $0x4e35c239 // smull2 v25.8h, v17.16b, v21.16b
	WORD $0x4e606b0a // sadalp v10.4s, v24.8h
	WORD $0x4e606b2b // sadalp v11.4s, v25.8h
	WORD $0x0e35c256 // smull v22.8h, v18.8b, v21.8b
	WORD $0x4e35c257 // smull2 v23.8h, v18.16b, v21.16b
	WORD $0x4e606acc // sadalp v12.4s, v22.8h
	WORD $0x4e606aed // sadalp v13.4s, v23.8h
	WORD $0x0e35c278 // smull v24.8h, v19.8b, v21.8b
	WORD $0x4e35c279 // smull2 v25.8h, v19.16b, v21.16b
	WORD $0x4e606b0e // sadalp v14.4s, v24.8h
	WORD $0x4e606b2f // sadalp v15.4s, v25.8h
s8SmullX1Q_m2_store:
	MOVD R6, R14
	ADD R7, R14, R15
	MOVD bias+64(FP), R19
	VLD1 (R19), [V16.S4, V17.S4, V18.S4, V19.S4]
	MOVD scale+72(FP), R19
	VLD1 (R19), [V20.S4, V21.S4, V22.S4, V23.S4]
	WORD $0x4ea1bc18 // addp v24.4s, v0.4s, v1.4s
	WORD $0x4ea3bc59 // addp v25.4s, v2.4s, v3.4s
	WORD $0x4ea5bc9a // addp v26.4s, v4.4s, v5.4s
	WORD $0x4ea7bcdb // addp v27.4s, v6.4s, v7.4s
	WORD $0x4eb08718 // add v24.4s, v24.4s, v16.4s
	WORD $0x4e21db18 // scvtf v24.4s, v24.4s
	WORD $0x6e34df18 // fmul v24.4s, v24.4s, v20.4s
	WORD $0x4e3cf718 // fmax v24.4s, v24.4s, v28.4s
	WORD $0x4ebdf718 // fmin v24.4s, v24.4s, v29.4s
	WORD $0x4e21ab18 // fcvtns v24.4s, v24.4s
	WORD $0x4ebe8718 // add v24.4s, v24.4s, v30.4s
	WORD $0x4eb18739 // add v25.4s, v25.4s, v17.4s
	WORD $0x4e21db39 // scvtf v25.4s, v25.4s
	WORD $0x6e35df39 // fmul v25.4s, v25.4s, v21.4s
	WORD $0x4e3cf739 // fmax v25.4s, v25.4s, v28.4s
	WORD $0x4ebdf739 // fmin v25.4s, v25.4s, v29.4s
	WORD $0x4e21ab39 // fcvtns v25.4s, v25.4s
	WORD $0x4ebe8739 // add v25.4s, v25.4s, v30.4s
	WORD $0x4eb2875a // add v26.4s, v26.4s, v18.4s
	WORD $0x4e21db5a // scvtf v26.4s, v26.4s
	WORD $0x6e36df5a // fmul v26.4s, v26.4s, v22.4s
	WORD $0x4e3cf75a // fmax v26.4s, v26.4s, v28.4s
	WORD $0x4ebdf75a // fmin v26.4s, v26.4s, v29.4s
	WORD $0x4e21ab5a // fcvtns v26.4s, v26.4s
	WORD $0x4ebe875a // add v26.4s, v26.4s, v30.4s
	WORD $0x4eb3877b // add v27.4s, v27.4s, v19.4s
	WORD $0x4e21db7b // scvtf v27.4s, v27.4s
	WORD $0x6e37df7b // fmul v27.4s, v27.4s, v23.4s
	WORD $0x4e3cf77b // fmax v27.4s, v27.4s, v28.4s
	WORD $0x4ebdf77b // fmin v27.4s, v27.4s, v29.4s
	WORD $0x4e21ab7b // fcvtns v27.4s, v27.4s
	WORD $0x4ebe877b // add v27.4s, v27.4s, v30.4s
	WORD $0x0e614b00 // sqxtn v0.4h, v24.4s
	WORD $0x4e614b20 // sqxtn2 v0.8h, v25.4s
	WORD $0x0e614b41 // sqxtn v1.4h, v26.4s
	WORD $0x4e614b61 // sqxtn2 v1.8h, v27.4s
	WORD $0x0e214800 // sqxtn v0.8b, v0.8h
	WORD $0x4e214820 // sqxtn2 v0.16b, v1.8h
	VST1 [V0.B16], (R14)
	WORD $0x4ea9bd18 // addp v24.4s, v8.4s, v9.4s
	WORD $0x4eabbd59 // addp v25.4s, v10.4s, v11.4s
	WORD $0x4eadbd9a // addp v26.4s, v12.4s, v13.4s
	WORD $0x4eafbddb // addp v27.4s, v14.4s, v15.4s
	WORD $0x4eb08718 // add v24.4s, v24.4s, v16.4s
	WORD $0x4e21db18 // scvtf v24.4s, v24.4s
	WORD $0x6e34df18 // fmul v24.4s, v24.4s, v20.4s
	WORD $0x4e3cf718 // fmax v24.4s, v24.4s, v28.4s
	WORD $0x4ebdf718 // fmin v24.4s, v24.4s, v29.4s
	WORD $0x4e21ab18 // fcvtns v24.4s, v24.4s
	WORD $0x4ebe8718 // add v24.4s, v24.4s, v30.4s
	WORD $0x4eb18739 // add v25.4s, v25.4s, v17.4s
	WORD $0x4e21db39 // scvtf v25.4s, v25.4s
	WORD $0x6e35df39 // fmul v25.4s, v25.4s, v21.4s
	WORD $0x4e3cf739 // fmax v25.4s, v25.4s, v28.4s
	WORD $0x4ebdf739 // fmin v25.4s, v25.4s, v29.4s
	WORD $0x4e21ab39 // fcvtns v25.4s, v25.4s
	WORD $0x4ebe8739 // add v25.4s, v25.4s, v30.4s
	WORD $0x4eb2875a // add v26.4s, v26.4s, v18.4s
	WORD $0x4e21db5a // scvtf v26.4s, v26.4s
	WORD $0x6e36df5a // fmul v26.4s, v26.4s, v22.4s
	WORD $0x4e3cf75a // fmax v26.4s, v26.4s, v28.4s
	WORD $0x4ebdf75a // fmin v26.4s, v26.4s, v29.4s
	WORD $0x4e21ab5a // fcvtns v26.4s, v26.4s
	WORD $0x4ebe875a // add v26.4s, v26.4s, v30.4s
	WORD $0x4eb3877b // add v27.4s, v27.4s, v19.4s
	WORD $0x4e21db7b // scvtf v27.4s, v27.4s
	WORD $0x6e37df7b // fmul v27.4s, v27.4s, v23.4s
	WORD $0x4e3cf77b // fmax v27.4s, v27.4s, v28.4s
	WORD $0x4ebdf77b // fmin v27.4s, v27.4s, v29.4s
	WORD $0x4e21ab7b // fcvtns v27.4s, v27.4s
	WORD $0x4ebe877b // add v27.4s, v27.4s, v30.4s
	WORD $0x0e614b08 // sqxtn v8.4h, v24.4s
	WORD $0x4e614b28 // sqxtn2 v8.8h, v25.4s
	WORD $0x0e614b49 // sqxtn v9.4h, v26.4s
	WORD $0x4e614b69 // sqxtn2 v9.8h, v27.4s
	WORD $0x0e214908 // sqxtn v8.8b, v8.8h
	WORD $0x4e214928 // sqxtn2 v8.16b, v9.8h
	VST1 [V8.B16], (R15)
	MOVD $2, R19
	MUL R1, R19, R24
	ADD R24, R0, R0
	MUL R7, R19, R24
	ADD R24, R6, R6
	SUB $2, R2, R2
	B s8SmullX1Q_m2_loop
s8SmullX1Q_m2_done:
s8SmullX1Q_m1_loop:
	CMP $1, R2
	BLT s8SmullX1Q_m1_done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	MOVD R0, R8
	MOVD R3, R12
	CBZ R4, s8SmullX1Q_m1_tail
	MOVD R4, R13
s8SmullX1Q_m1_k4:
	VLD1R.P 4(R8), [V20.S4]
	VLD1.P 64(R12), [V16.B16, V17.B16, V18.B16, V19.B16]
	WORD $0x0e34c216 // smull v22.8h, v16.8b, v20.8b
	WORD $0x4e34c217 // smull2 v23.8h, v16.16b, v20.16b
	WORD $0x4e606ac0 // sadalp v0.4s, v22.8h
	WORD $0x4e606ae1 // sadalp v1.4s, v23.8h
	WORD $0x0e34c238 // smull v24.8h, v17.8b, v20.8b
	WORD $0x4e34c239 // smull2 v25.8h, v17.16b, v20.16b
	WORD $0x4e606b02 // sadalp v2.4s, v24.8h
	WORD $0x4e606b23 // sadalp v3.4s, v25.8h
	WORD $0x0e34c256 // smull v22.8h, v18.8b, v20.8b
	WORD $0x4e34c257 // smull2 v23.8h, v18.16b, v20.16b
	WORD $0x4e606ac4 // sadalp v4.4s, v22.8h
	WORD $0x4e606ae5 // sadalp v5.4s, v23.8h
	WORD $0x0e34c278 // smull v24.8h, v19.8b, v20.8b
	WORD $0x4e34c279 // smull2 v25.8h, v19.16b, v20.16b
	WORD $0x4e606b06 // sadalp v6.4s, v24.8h
	WORD $0x4e606b27 // sadalp v7.4s, v25.8h
	SUB $1, R13, R13
	CBNZ R13, s8SmullX1Q_m1_k4
s8SmullX1Q_m1_tail:
	CBZ R5, s8SmullX1Q_m1_store
	MOVWU (R8)(R20), R19
	LSRW R21, R19, R19
	VDUP R19, V20.S4
	VLD1.P 64(R12), [V16.B16, V17.B16, V18.B16, V19.B16]
	WORD $0x0e34c216 // smull v22.8h, v16.8b, v20.8b
	WORD $0x4e34c217 // smull2 v23.8h, v16.16b, v20.16b
	WORD $0x4e606ac0 // sadalp v0.4s, v22.8h
	WORD $0x4e606ae1 // sadalp v1.4s, v23.8h
	WORD $0x0e34c238 // smull v24.8h, v17.8b, v20.8b
	WORD $0x4e34c239 // smull2 v25.8h, v17.16b, v20.16b
	WORD $0x4e606b02 // sadalp v2.4s, v24.8h
	WORD $0x4e606b23 // sadalp v3.4s, v25.8h
	WORD $0x0e34c256 // smull v22.8h, v18.8b, v20.8b
	WORD $0x4e34c257 // smull2 v23.8h, v18.16b, v20.16b
	WORD $0x4e606ac4 // sadalp v4.4s, v22.8h
	WORD $0x4e606ae5 // sadalp v5.4s, v23.8h
	WORD $0x0e34c278 // smull v24.8h, v19.8b, v20.8b
	WORD $0x4e34c279 // smull2 v25.8h, v19.16b, v20.16b
	WORD $0x4e606b06 // sadalp v6.4s, v24.8h
	WORD $0x4e606b27 // sadalp v7.4s, v25.8h
s8SmullX1Q_m1_store:
	MOVD R6, R14
	MOVD bias+64(FP), R19
	VLD1 (R19), [V16.S4, V17.S4, V18.S4, V19.S4]
	MOVD scale+72(FP), R19
	VLD1 (R19), [V20.S4, V21.S4, V22.S4, V23.S4]
	WORD $0x4ea1bc18 // addp v24.4s, v0.4s, v1.4s
	WORD $0x4ea3bc59 // addp v25.4s, v2.4s, v3.4s
	WORD $0x4ea5bc9a // addp v26.4s, v4.4s, v5.4s
	WORD $0x4ea7bcdb // addp v27.4s, v6.4s, v7.4s
	WORD $0x4eb08718 // add v24.4s, v24.4s, v16.4s
	WORD $0x4e21db18 // scvtf v24.4s, v24.4s
	WORD $0x6e34df18 // fmul v24.4s, v24.4s, v20.4s
	WORD $0x4e3cf718 // fmax v24.4s, v24.4s, v28.4s
	WORD $0x4ebdf718 // fmin v24.4s, v24.4s, v29.4s
	WORD $0x4e21ab18 // fcvtns v24.4s, v24.4s
	WORD $0x4ebe8718 // add v24.4s, v24.4s, v30.4s
	WORD $0x4eb18739 // add v25.4s, v25.4s, v17.4s
	WORD $0x4e21db39 // scvtf v25.4s, v25.4s
	WORD $0x6e35df39 // fmul v25.4s, v25.4s, v21.4s
	WORD $0x4e3cf739 // fmax v25.4s, v25.4s, v28.4s
	WORD $0x4ebdf739 // fmin v25.4s, v25.4s, v29.4s
	WORD $0x4e21ab39 // fcvtns v25.4s, v25.4s
	WORD $0x4ebe8739 // add v25.4s, v25.4s, v30.4s
	WORD $0x4eb2875a // add v26.4s, v26.4s, v18.4s
	WORD $0x4e21db5a // scvtf v26.4s, v26.4s
	WORD $0x6e36df5a // fmul v26.4s, v26.4s, v22.4s
	WORD $0x4e3cf75a // fmax v26.4s, v26.4s, v28.4s
	WORD $0x4ebdf75a // fmin v26.4s, v26.4s, v29.4s
	WORD $0x4e21ab5a // fcvtns v26.4s, v26.4s
	WORD $0x4ebe875a // add v26.4s, v26.4s, v30.4s
	WORD $0x4eb3877b // add v27.4s, v27.4s, v19.4s
	WORD $0x4e21db7b // scvtf v27.4s, v27.4s
	WORD $0x6e37df7b // fmul v27.4s, v27.4s, v23.4s
	WORD $0x4e3cf77b // fmax v27.4s, v27.4s, v28.4s
	WORD $0x4ebdf77b // fmin v27.4s, v27.4s, v29.4s
	WORD $0x4e21ab7b // fcvtns v27.4s, v27.4s
	WORD $0x4ebe877b // add v27.4s, v27.4s, v30.4s
	WORD $0x0e614b00 // sqxtn v0.4h, v24.4s
	WORD $0x4e614b20 // sqxtn2 v0.8h, v25.4s
	WORD $0x0e614b41 // sqxtn v1.4h, v26.4s
	WORD $0x4e614b61 // sqxtn2 v1.8h, v27.4s
	WORD $0x0e214800 // sqxtn v0.8b, v0.8h
	WORD $0x4e214820 // sqxtn2 v0.16b, v1.8h
	VST1 [V0.B16], (R14)
	MOVD $1, R19
	MUL R1, R19, R24
	ADD R24, R0, R0
	MUL R7, R19, R24
	ADD R24, R6, R6
	SUB $1, R2, R2
	B s8SmullX1Q_m1_loop
s8SmullX1Q_m1_done:
	RET

// func s8RequantFP32NEON(acc, bias *int32, scale *float32, out *int8, n int, zp int32, flo, fhi float32)
// n is a multiple of 8. Same operations as requantFP32Go; FCVTNS rounds
// to nearest with ties to even; the narrowing cannot saturate since the
// values are already in [lo, hi].
TEXT ·s8RequantFP32NEON(SB), NOSPLIT, $0-52
	MOVD acc+0(FP), R0
	MOVD bias+8(FP), R1
	MOVD scale+16(FP), R2
	MOVD out+24(FP), R3
	MOVD n+32(FP), R4
	LSR $3, R4, R4
	CBZ R4, rq_done
	MOVWU zp+40(FP), R5
	VDUP R5, V29.S4
	MOVWU flo+44(FP), R5
	VDUP R5, V30.S4
	MOVWU fhi+48(FP), R5
	VDUP R5, V31.S4
rq_loop:
	VLD1.P 32(R0), [V0.S4, V1.S4]
	VLD1.P 32(R1), [V2.S4, V3.S4]
	VLD1.P 32(R2), [V4.S4, V5.S4]
	WORD $0x4ea28400 // add v0.4s, v0.4s, v2.4s
	WORD $0x4e21d800 // scvtf v0.4s, v0.4s
	WORD $0x6e24dc00 // fmul v0.4s, v0.4s, v4.4s
	WORD $0x4e3ef400 // fmax v0.4s, v0.4s, v30.4s
	WORD $0x4ebff400 // fmin v0.4s, v0.4s, v31.4s
	WORD $0x4e21a800 // fcvtns v0.4s, v0.4s
	WORD $0x4ebd8400 // add v0.4s, v0.4s, v29.4s
	WORD $0x4ea38421 // add v1.4s, v1.4s, v3.4s
	WORD $0x4e21d821 // scvtf v1.4s, v1.4s
	WORD $0x6e25dc21 // fmul v1.4s, v1.4s, v5.4s
	WORD $0x4e3ef421 // fmax v1.4s, v1.4s, v30.4s
	WORD $0x4ebff421 // fmin v1.4s, v1.4s, v31.4s
	WORD $0x4e21a821 // fcvtns v1.4s, v1.4s
	WORD $0x4ebd8421 // add v1.4s, v1.4s, v29.4s
	WORD $0x0e614800 // sqxtn v0.4h, v0.4s
	WORD $0x4e614820 // sqxtn2 v0.8h, v1.4s
	WORD $0x0e214800 // sqxtn v0.8b, v0.8h
	VST1.P [V0.B8], 8(R3)
	SUB $1, R4, R4
	CBNZ R4, rq_loop
rq_done:
	RET

// func s8DwTapNEON(acc *int32, p, w *int8, n, c16, c, pstride int)
// Adds p·w to acc for the first c16 (a multiple of 16) of c channels of n
// pixels: SMULL to int16 (exact: |product| ≤ 2^14), SADDW to int32. Each
// 16-channel block's weights stay in a register across the n pixels.
TEXT ·s8DwTapNEON(SB), NOSPLIT, $0-56
	MOVD acc+0(FP), R0
	MOVD p+8(FP), R1
	MOVD w+16(FP), R2
	MOVD n+24(FP), R3
	MOVD c16+32(FP), R4
	MOVD c+40(FP), R5
	LSL $2, R5, R5
	MOVD pstride+48(FP), R6
	LSR $4, R4, R4
	CBZ R4, dw_done
	CBZ R3, dw_done
dw_block:
	VLD1.P 16(R2), [V1.B16]
	MOVD R1, R7
	MOVD R0, R8
	MOVD R3, R9
dw_pixel:
	VLD1 (R7), [V0.B16]
	WORD $0x0e21c002 // smull v2.8h, v0.8b, v1.8b
	WORD $0x4e21c003 // smull2 v3.8h, v0.16b, v1.16b
	VLD1 (R8), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x0e621084 // saddw v4.4s, v4.4s, v2.4h
	WORD $0x4e6210a5 // saddw2 v5.4s, v5.4s, v2.8h
	WORD $0x0e6310c6 // saddw v6.4s, v6.4s, v3.4h
	WORD $0x4e6310e7 // saddw2 v7.4s, v7.4s, v3.8h
	VST1 [V4.S4, V5.S4, V6.S4, V7.S4], (R8)
	ADD R6, R7, R7
	ADD R5, R8, R8
	SUB $1, R9, R9
	CBNZ R9, dw_pixel
	ADD $16, R1, R1
	ADD $64, R0, R0
	SUB $1, R4, R4
	CBNZ R4, dw_block
dw_done:
	RET
