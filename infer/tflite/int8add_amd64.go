//go:build !purego

package tflite

import "golang.org/x/sys/cpu"

//go:noescape
func i8AddAVX2(a, b, out *int8, n int, p *i8AddParams)

// i8AddHasAVX2 selects the AVX2 row kernel (tests turn it off to compare
// with the portable loop).
var i8AddHasAVX2 = cpu.X86.HasAVX2

// i8AddRow is i8AddRowGo with the multiple-of-8 part in AVX2: the same
// int32 operations lane by lane, so the results are identical.
func i8AddRow(a, b, out []int8, p *i8AddParams) {
	n := len(out)
	a, b = a[:n], b[:n] // bounds checked here: the assembly does none
	n8 := n &^ 7
	if i8AddHasAVX2 && n8 > 0 {
		i8AddAVX2(&a[0], &b[0], &out[0], n8, p)
	} else {
		n8 = 0
	}
	i8AddRowGo(a[n8:], b[n8:], out[n8:], p)
}

//go:noescape
func i8MaxAVX2(o, p *int8, n int)

//go:noescape
func i8Max16(o, p *int8, n int)

// i8MaxRow sets o[i] = max(o[i], p[i]) for i < len(o). A length that is
// not a multiple of the vector finishes with one vector ending at the last
// element, overlapping done ones: max is idempotent.
func i8MaxRow(o, p []int8) {
	n := len(o)
	p = p[:n] // bounds checked here: the assembly does none
	if !i8AddHasAVX2 || n < 16 {
		i8MaxRowGo(o, p)
		return
	}
	if n32 := n &^ 31; n32 > 0 {
		i8MaxAVX2(&o[0], &p[0], n32)
		if n32 == n {
			return
		}
	}
	n16 := n &^ 15
	if n16 > n&^31 {
		i8Max16(&o[n&^31], &p[n&^31], 16)
	}
	if n16 < n {
		i8Max16(&o[n-16], &p[n-16], 16)
	}
}
