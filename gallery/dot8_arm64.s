//go:build !purego

#include "textflag.h"

// The Go assembler has no mnemonics for SMULL, SMLAL2, SADALP, ADDV and
// SDOT; they are emitted as WORDs (encodings from the Arm A64 reference,
// checked bit-exact against the Go kernel by TestKernels8 under
// qemu-aarch64).

// func dotsNEON(q *int8, t *int8, stride, n int, out *int32)
TEXT ·dotsNEON(SB), NOSPLIT, $0-40
	MOVD q+0(FP), R0
	MOVD t+8(FP), R1
	MOVD stride+16(FP), R2
	MOVD n+24(FP), R3
	MOVD out+32(FP), R4
	CBZ  R3, ndone

ntmpl:
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	MOVD R0, R5
	MOVD R2, R6

nchunk:
	VLD1.P 32(R5), [V0.B16, V1.B16]
	VLD1.P 32(R1), [V2.B16, V3.B16]
	WORD $0x0e22c004 // SMULL V4.8H, V0.8B, V2.8B
	WORD $0x4e228004 // SMLAL2 V4.8H, V0.16B, V2.16B
	WORD $0x4e606890 // SADALP V16.4S, V4.8H
	WORD $0x0e23c025 // SMULL V5.8H, V1.8B, V3.8B
	WORD $0x4e238025 // SMLAL2 V5.8H, V1.16B, V3.16B
	WORD $0x4e6068b1 // SADALP V17.4S, V5.8H
	SUBS $32, R6, R6
	BNE  nchunk

	VADD V17.S4, V16.S4, V16.S4
	WORD $0x4eb1ba10 // ADDV S16, V16.4S
	VMOV   V16.S[0], R7
	MOVW.P R7, 4(R4)
	SUBS   $1, R3, R3
	BNE    ntmpl

ndone:
	RET

// func dotsSDOT(q *int8, t *int8, stride, n int, out *int32)
TEXT ·dotsSDOT(SB), NOSPLIT, $0-40
	MOVD q+0(FP), R0
	MOVD t+8(FP), R1
	MOVD stride+16(FP), R2
	MOVD n+24(FP), R3
	MOVD out+32(FP), R4
	CBZ  R3, sdone

stmpl:
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	MOVD R0, R5
	MOVD R2, R6

schunk:
	VLD1.P 64(R5), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P 64(R1), [V4.B16, V5.B16, V6.B16, V7.B16]
	WORD $0x4e849410 // SDOT V16.4S, V0.16B, V4.16B
	WORD $0x4e859431 // SDOT V17.4S, V1.16B, V5.16B
	WORD $0x4e869452 // SDOT V18.4S, V2.16B, V6.16B
	WORD $0x4e879473 // SDOT V19.4S, V3.16B, V7.16B
	SUBS $64, R6, R6
	BNE  schunk

	VADD V17.S4, V16.S4, V16.S4
	VADD V19.S4, V18.S4, V18.S4
	VADD V18.S4, V16.S4, V16.S4
	WORD $0x4eb1ba10 // ADDV S16, V16.4S
	VMOV   V16.S[0], R7
	MOVW.P R7, 4(R4)
	SUBS   $1, R3, R3
	BNE    stmpl

sdone:
	RET
