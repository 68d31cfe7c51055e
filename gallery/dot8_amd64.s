//go:build !purego

#include "textflag.h"

// func dotsVNNI(u *uint8, t *int8, stride, n int, out *int32)
TEXT ·dotsVNNI(SB), NOSPLIT, $0-40
	MOVQ u+0(FP), SI
	MOVQ t+8(FP), DI
	MOVQ stride+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ out+32(FP), DX
	TESTQ CX, CX
	JZ   vdone

vtmpl:
	VPXORD Z0, Z0, Z0
	XORQ   AX, AX

vchunk:
	VMOVDQU8 (SI)(AX*1), Z2
	VPDPBUSD (DI)(AX*1), Z2, Z0
	ADDQ     $64, AX
	CMPQ     AX, BX
	JLT      vchunk

	// Horizontal sum of the 16 int32 lanes.
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD        Y1, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0x4e, X0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0xb1, X0, X1
	VPADDD        X1, X0, X0
	VMOVD         X0, (DX)
	ADDQ          $4, DX
	ADDQ          BX, DI
	DECQ          CX
	JNZ           vtmpl

vdone:
	VZEROUPPER
	RET

// func dotsAVX2(w *int16, t *int8, stride, n int, out *int32)
TEXT ·dotsAVX2(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ t+8(FP), DI
	MOVQ stride+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ out+32(FP), DX
	TESTQ CX, CX
	JZ   adone

atmpl:
	VPXOR Y0, Y0, Y0
	VPXOR Y3, Y3, Y3
	XORQ  AX, AX

achunk:
	VPMOVSXBW (DI)(AX*1), Y1
	VPMADDWD  (SI)(AX*2), Y1, Y1
	VPADDD    Y1, Y0, Y0
	VPMOVSXBW 16(DI)(AX*1), Y2
	VPMADDWD  32(SI)(AX*2), Y2, Y2
	VPADDD    Y2, Y3, Y3
	ADDQ      $32, AX
	CMPQ      AX, BX
	JLT       achunk

	VPADDD       Y3, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4e, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xb1, X0, X1
	VPADDD       X1, X0, X0
	VMOVD        X0, (DX)
	ADDQ         $4, DX
	ADDQ         BX, DI
	DECQ         CX
	JNZ          atmpl

adone:
	VZEROUPPER
	RET

// func dotsAVXVNNI(u *uint8, t *int8, stride, n int, out *int32)
//
// The Go assembler encodes VPDPBUSD only in its EVEX (AVX-512) form, so the
// VEX (AVX-VNNI) instructions are written as bytes:
//
//	C4 E2 6D 50 04 07      VPDPBUSD ymm0, ymm2, [rdi+rax]
//	C4 E2 65 50 4C 07 20   VPDPBUSD ymm1, ymm3, [rdi+rax+32]
TEXT ·dotsAVXVNNI(SB), NOSPLIT, $0-40
	MOVQ u+0(FP), SI
	MOVQ t+8(FP), DI
	MOVQ stride+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ out+32(FP), DX
	TESTQ CX, CX
	JZ   wdone

wtmpl:
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	XORQ  AX, AX

wchunk:
	VMOVDQU (SI)(AX*1), Y2
	VMOVDQU 32(SI)(AX*1), Y3
	BYTE    $0xc4; BYTE $0xe2; BYTE $0x6d; BYTE $0x50; BYTE $0x04; BYTE $0x07
	BYTE    $0xc4; BYTE $0xe2; BYTE $0x65; BYTE $0x50; BYTE $0x4c; BYTE $0x07; BYTE $0x20
	ADDQ    $64, AX
	CMPQ    AX, BX
	JLT     wchunk

	VPADDD       Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4e, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xb1, X0, X1
	VPADDD       X1, X0, X0
	VMOVD        X0, (DX)
	ADDQ         $4, DX
	ADDQ         BX, DI
	DECQ         CX
	JNZ          wtmpl

wdone:
	VZEROUPPER
	RET
