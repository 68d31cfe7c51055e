//go:build !purego

package tflite

import "golang.org/x/sys/cpu"

// int8 kernels on amd64. gemmS8 has three SIMD paths, chosen at start-up
// from the CPU's features (s8Path; tests force each one in turn):
//
//   - AVX-512 VNNI: VPDPBUSD on zmm, 6 rows × 64 columns per tile.
//   - AVX-VNNI: the VEX-encoded VPDPBUSD on ymm (CPUs with AVX-VNNI but no
//     AVX-512, e.g. Intel Alder Lake), 6 rows × 16 columns.
//   - AVX2: VPMOVSXBW + VPMADDWD (exact: VPMADDUBSW would saturate),
//     2 rows × 16 columns.
//
// VPDPBUSD multiplies unsigned by signed bytes, so the VNNI kernels offset
// the activations to unsigned, (a+128)·w, and start each sum at −128·Σw
// (s8Panels.corr): exact in int32. The requantization and depthwise
// kernels use AVX-512 (16 and 32 lanes, masked tails) on the VNNI-512 path
// and AVX2 on the other two.

const (
	s8PathGo = iota
	s8PathAVX2
	s8PathAVXVNNI
	s8PathVNNI512
)

// s8PathNames names the paths for tests and benchmarks.
var s8PathNames = [...]string{"go", "avx2", "avxvnni", "vnni512"}

// s8Path is the gemmS8 implementation in use. Tests set it to force a path
// the CPU supports (s8Paths).
var s8Path = s8Paths()[len(s8Paths())-1]

// s8Paths lists the paths this CPU can run, slowest first.
func s8Paths() []int {
	p := []int{s8PathGo}
	if cpu.X86.HasAVX2 {
		p = append(p, s8PathAVX2)
		if cpu.X86.HasAVXVNNI {
			p = append(p, s8PathAVXVNNI)
		}
		if cpu.X86.HasAVX512 && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI {
			p = append(p, s8PathVNNI512)
		}
	}
	return p
}

//go:noescape
func s8VNNI512x4(a *int8, lda, rows int, w *int8, pstride int, corr *int32, kg, kt int, c *int32, ldc int, mask uint64)

//go:noescape
func s8VNNI512x1(a *int8, lda, rows int, w *int8, pstride int, corr *int32, kg, kt int, c *int32, ldc int, mask uint64)

//go:noescape
func s8AVXVNNIx1(a *int8, lda, rows int, w *int8, corr *int32, kg, kt int, c *int32, ldc int, mask *int32)

//go:noescape
func s8AVX2x1(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int, mask *int32)

// s8Masks[16-m : 32-m] is a store mask for the first m of 16 columns.
var s8Masks = [32]int32{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}

func gemmS8(a []int8, lda, rows int, p *s8Panels, c []int32, ldc int) {
	if rows <= 0 || p.n == 0 {
		return
	}
	s8CheckGemm(a, lda, rows, p, c, ldc)
	// The kernels read each row's tail group as the 4 bytes ending at
	// column k-1, so they need k ≥ 4.
	if p.k < s8KG || s8Path == s8PathGo {
		gemmS8Go(a, lda, rows, p, c, ldc)
		return
	}
	n, kg, kt := p.n, p.k/s8KG, p.k%s8KG
	pstride := p.kp * s8NR
	np := p.panels()
	for pi := 0; pi < np; {
		w, corr, cc := &p.data[pi*pstride], &p.corr[pi*s8NR], &c[pi*s8NR]
		m := n - pi*s8NR // columns left
		switch {
		case s8Path == s8PathVNNI512 && np-pi >= 4:
			last := min(m-3*s8NR, s8NR)
			s8VNNI512x4(&a[0], lda, rows, w, pstride, corr, kg, kt, cc, ldc, 1<<last-1)
			pi += 4
			continue
		case s8Path == s8PathVNNI512:
			s8VNNI512x1(&a[0], lda, rows, w, pstride, corr, kg, kt, cc, ldc, 1<<min(m, s8NR)-1)
		case s8Path == s8PathAVXVNNI:
			s8AVXVNNIx1(&a[0], lda, rows, w, corr, kg, kt, cc, ldc, &s8Masks[s8NR-min(m, s8NR)])
		default:
			s8AVX2x1(&a[0], lda, rows, w, kg, kt, cc, ldc, &s8Masks[s8NR-min(m, s8NR)])
		}
		pi++
	}
}

//go:noescape
func s8RequantFP32AVX2(acc, bias *int32, scale *float32, out *int8, n int, zp int32, flo, fhi float32)

//go:noescape
func s8RequantFP32AVX512(acc, bias *int32, scale *float32, out *int8, n int, zp int32, flo, fhi float32, tail uint64)

//go:noescape
func s8DwTapAVX512(acc *int32, p, w *int8, n, c32, pstride int, tail uint64)

//go:noescape
func s8DwTapAVX2(acc *int32, p, w *int8, n, c16, c, pstride int)

func requantFP32(acc, bias []int32, scale []float32, zp, lo, hi int32, out []int8) {
	n := len(out)
	if n == 0 {
		return
	}
	if s8Path == s8PathVNNI512 {
		acc, bias, scale = acc[:n], bias[:n], scale[:n] // bounds checks before the assembly
		s8RequantFP32AVX512(&acc[0], &bias[0], &scale[0], &out[0], n, zp, float32(lo-zp), float32(hi-zp), 1<<(n%16)-1)
		return
	}
	n8 := n &^ 7
	if n8 == 0 || s8Path == s8PathGo {
		requantFP32Go(acc, bias, scale, zp, lo, hi, out)
		return
	}
	acc, bias, scale = acc[:n], bias[:n], scale[:n] // bounds checks before the assembly
	s8RequantFP32AVX2(&acc[0], &bias[0], &scale[0], &out[0], n8, zp, float32(lo-zp), float32(hi-zp))
	if n8 < n {
		requantFP32Go(acc[n8:], bias[n8:], scale[n8:], zp, lo, hi, out[n8:])
	}
}

func requantFixed(acc, bias, mult, shift []int32, zp, lo, hi int32, out []int8) {
	requantFixedGo(acc, bias, mult, shift, zp, lo, hi, out)
}

func dwS8Tap(acc []int32, p, w []int8, n, c, pstride int) {
	if n <= 0 || c <= 0 {
		return
	}
	if s8Path == s8PathVNNI512 {
		s8CheckDw(acc, p, w, n, c, pstride)
		s8DwTapAVX512(&acc[0], &p[0], &w[0], n, c/32, pstride, 1<<(c%32)-1)
		return
	}
	c16 := c &^ 15
	if c16 == 0 || s8Path == s8PathGo {
		dwS8TapGo(acc, p, w, n, c, pstride)
		return
	}
	s8CheckDw(acc, p, w, n, c, pstride)
	s8DwTapAVX2(&acc[0], &p[0], &w[0], n, c16, c, pstride)
	if c16 < c {
		w = w[:c]
		for i := 0; i < n; i++ {
			o := acc[i*c+c16 : i*c+c]
			pp := p[i*pstride+c16 : i*pstride+c]
			for j := range o {
				o[j] += int32(pp[j]) * int32(w[c16+j])
			}
		}
	}
}

//go:noescape
func s8LutAVX512(out, x, lut *int8, n, c int, lanes *int32, tail uint64)

// s8LaneOffsets[l] is lane l's table offset in s8LutAVX512.
var s8LaneOffsets = [16]int32{0, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2304, 2560, 2816, 3072, 3328, 3584, 3840}

func lutS8(out, x, lut []int8, n, c int) {
	if n <= 0 || c <= 0 {
		return
	}
	if s8Path != s8PathVNNI512 {
		lutS8Go(out, x, lut, n, c)
		return
	}
	x, out, lut = x[:n*c], out[:n*c], lut[:c*256] // bounds checks before the assembly
	s8LutAVX512(&out[0], &x[0], &lut[0], n, c, &s8LaneOffsets[0], 1<<(c%16)-1)
}

//go:noescape
func s8VNNI512x4Q(a *int8, lda, rows int, w *int8, pstride int, corr *int32, kg, kt int, out *int8, ldo int, mask uint64, bias *int32, scale *float32, zp int32, flo, fhi float32)

//go:noescape
func s8VNNI512x1Q(a *int8, lda, rows int, w *int8, pstride int, corr *int32, kg, kt int, out *int8, ldo int, mask uint64, bias *int32, scale *float32, zp int32, flo, fhi float32)

// gemmS8Requant on the VNNI-512 path requantizes the accumulators in
// registers (no int32 round trip through memory; acc is unused); the other
// paths run gemmS8 and requantFP32.
func gemmS8Requant(a []int8, lda, rows int, p *s8Panels, bias []int32, scale []float32, zp, lo, hi int32, out []int8, ldo int, acc []int32) {
	if rows <= 0 || p.n == 0 {
		return
	}
	if s8Path != s8PathVNNI512 || p.k < s8KG {
		gemmS8RequantSplit(a, lda, rows, p, bias, scale, zp, lo, hi, out, ldo, acc)
		return
	}
	n, kg, kt := p.n, p.k/s8KG, p.k%s8KG
	if lda < p.k || ldo < n || len(a) < (rows-1)*lda+p.k || len(out) < (rows-1)*ldo+n || len(bias) < n || len(scale) < n {
		panic("tflite: gemmS8Requant: slice too short for rows×k / rows×n")
	}
	flo, fhi := float32(lo-zp), float32(hi-zp)
	pstride := p.kp * s8NR
	np := p.panels()
	for pi := 0; pi < np; {
		w, corr, o := &p.data[pi*pstride], &p.corr[pi*s8NR], &out[pi*s8NR]
		b, s := &bias[pi*s8NR], &scale[pi*s8NR]
		m := n - pi*s8NR
		if np-pi >= 4 {
			last := min(m-3*s8NR, s8NR)
			s8VNNI512x4Q(&a[0], lda, rows, w, pstride, corr, kg, kt, o, ldo, 1<<last-1, b, s, zp, flo, fhi)
			pi += 4
			continue
		}
		s8VNNI512x1Q(&a[0], lda, rows, w, pstride, corr, kg, kt, o, ldo, 1<<min(m, s8NR)-1, b, s, zp, flo, fhi)
		pi++
	}
}
