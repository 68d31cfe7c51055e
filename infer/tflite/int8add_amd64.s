//go:build !purego

#include "textflag.h"

// func i8AddAVX2(a, b, out *int8, n int, p *i8AddParams)
// out[i] = int8(clamp((bias + a[i]·ma + b[i]·mb) >> shift, lo−zo, hi−zo) + zo)
// for i < n, n a multiple of 8; p is {ma, mb, bias, shift, lo−zo, hi−zo, zo}.
TEXT ·i8AddAVX2(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ out+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ p+32(FP), AX
	VPBROADCASTD 0(AX), Y10
	VPBROADCASTD 4(AX), Y11
	VPBROADCASTD 8(AX), Y12
	VMOVD        12(AX), X13
	VPBROADCASTD 16(AX), Y14
	VPBROADCASTD 20(AX), Y15
	VPBROADCASTD 24(AX), Y9

loop:
	CMPQ CX, $8
	JLT  done
	VPMOVSXBD    (SI), Y0
	VPMOVSXBD    (DI), Y1
	VPMULLD      Y10, Y0, Y0
	VPMULLD      Y11, Y1, Y1
	VPADDD       Y1, Y0, Y0
	VPADDD       Y12, Y0, Y0
	VPSRAD       X13, Y0, Y0
	VPMAXSD      Y14, Y0, Y0
	VPMINSD      Y15, Y0, Y0
	VPADDD       Y9, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW    X1, X0, X0
	VPACKSSWB    X0, X0, X0
	VMOVQ        X0, (DX)
	ADDQ         $8, SI
	ADDQ         $8, DI
	ADDQ         $8, DX
	SUBQ         $8, CX
	JMP          loop

done:
	VZEROUPPER
	RET

// func i8MaxAVX2(o, p *int8, n int)
// o[i] = max(o[i], p[i]) for i < n, n a multiple of 32.
TEXT ·i8MaxAVX2(SB), NOSPLIT, $0-24
	MOVQ o+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ n+16(FP), CX

mloop:
	CMPQ    CX, $32
	JLT     mdone
	VMOVDQU (DI), Y0
	VPMAXSB (SI), Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $32, CX
	JMP     mloop

mdone:
	VZEROUPPER
	RET

// func i8Max16(o, p *int8, n int)
// o[i] = max(o[i], p[i]) for i < n, n a multiple of 16.
TEXT ·i8Max16(SB), NOSPLIT, $0-24
	MOVQ o+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ n+16(FP), CX

xloop:
	CMPQ    CX, $16
	JLT     xdone
	VMOVDQU (DI), X0
	VPMAXSB (SI), X0, X0
	VMOVDQU X0, (DI)
	ADDQ    $16, DI
	ADDQ    $16, SI
	SUBQ    $16, CX
	JMP     xloop

xdone:
	RET
