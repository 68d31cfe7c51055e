//go:build !purego

package tflite

import "golang.org/x/sys/cpu"

// int8 kernels on arm64 (NEON). gemmS8 has two SIMD paths:
//
//   - SDOT (the dot-product extension, ARMv8.2: Cortex-A76 in the
//     Raspberry Pi 5), 4 rows × 16 columns per tile;
//   - SMULL + SADALP (every ARMv8 CPU: Cortex-A72 in the Raspberry Pi 4),
//     2 rows × 16 columns. SMLAL would be faster but its int16 sum of two
//     products overflows for −128·−128 + −128·−128.
//
// Both are signed×signed, so no zero-point correction is needed.

const (
	s8PathGo = iota
	s8PathSMULL
	s8PathSDOT
)

// s8PathNames names the paths for tests and benchmarks.
var s8PathNames = [...]string{"go", "smull", "sdot"}

// s8Path is the gemmS8 implementation in use. Tests set it to force a path
// the CPU supports (s8Paths).
var s8Path = s8Paths()[len(s8Paths())-1]

// s8Paths lists the paths this CPU can run, slowest first.
func s8Paths() []int {
	p := []int{s8PathGo, s8PathSMULL}
	if cpu.ARM64.HasASIMDDP {
		p = append(p, s8PathSDOT)
	}
	return p
}

//go:noescape
func s8SdotX1(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int)

//go:noescape
func s8SmullX1(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int)

// s8ScratchRows is how many rows of a partial last panel go through the
// scratch block at a time (NEON has no masked stores).
const s8ScratchRows = 32

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
	kern := s8X1
	n, kg, kt := p.n, p.k/s8KG, p.k%s8KG
	pstride := p.kp * s8NR
	full := n / s8NR
	for pi := 0; pi < full; pi++ {
		kern(&a[0], lda, rows, &p.data[pi*pstride], kg, kt, &c[pi*s8NR], ldc)
	}
	if m := n - full*s8NR; m > 0 {
		var tmp [s8ScratchRows * s8NR]int32
		for r0 := 0; r0 < rows; r0 += s8ScratchRows {
			nr := min(rows-r0, s8ScratchRows)
			kern(&a[r0*lda], lda, nr, &p.data[full*pstride], kg, kt, &tmp[0], s8NR)
			for r := 0; r < nr; r++ {
				copy(c[(r0+r)*ldc+full*s8NR:(r0+r)*ldc+n], tmp[r*s8NR:r*s8NR+m])
			}
		}
	}
}

// s8X1 calls the int32 kernel of the current path. It is a plain
// function: the scratch blocks the callers pass would escape to the heap
// through a func value chosen at run time (one allocation per call).
func s8X1(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int) {
	if s8Path == s8PathSDOT {
		s8SdotX1(a, lda, rows, w, kg, kt, c, ldc)
	} else {
		s8SmullX1(a, lda, rows, w, kg, kt, c, ldc)
	}
}

//go:noescape
func s8SdotX1Q(a *int8, lda, rows int, w *int8, kg, kt int, out *int8, ldo int, bias *int32, scale *float32, zp int32, flo, fhi float32)

//go:noescape
func s8SmullX1Q(a *int8, lda, rows int, w *int8, kg, kt int, out *int8, ldo int, bias *int32, scale *float32, zp int32, flo, fhi float32)

// gemmS8Requant requantizes whole 16-column panels in registers; a partial
// last panel goes through the int32 kernel and requantFP32 (acc is unused).
func gemmS8Requant(a []int8, lda, rows int, p *s8Panels, bias []int32, scale []float32, zp, lo, hi int32, out []int8, ldo int, acc []int32) {
	if rows <= 0 || p.n == 0 {
		return
	}
	if p.k < s8KG || s8Path == s8PathGo {
		gemmS8RequantSplit(a, lda, rows, p, bias, scale, zp, lo, hi, out, ldo, acc)
		return
	}
	n, kg, kt := p.n, p.k/s8KG, p.k%s8KG
	if lda < p.k || ldo < n || len(a) < (rows-1)*lda+p.k || len(out) < (rows-1)*ldo+n || len(bias) < n || len(scale) < n {
		panic("tflite: gemmS8Requant: slice too short for rows×k / rows×n")
	}
	kern, kernQ := s8X1, s8SmullX1Q
	if s8Path == s8PathSDOT {
		kernQ = s8SdotX1Q
	}
	flo, fhi := float32(lo-zp), float32(hi-zp)
	pstride := p.kp * s8NR
	full := n / s8NR
	for pi := 0; pi < full; pi++ {
		kernQ(&a[0], lda, rows, &p.data[pi*pstride], kg, kt, &out[pi*s8NR], ldo, &bias[pi*s8NR], &scale[pi*s8NR], zp, flo, fhi)
	}
	if m := n - full*s8NR; m > 0 {
		var tmp [s8ScratchRows * s8NR]int32
		j0 := full * s8NR
		for r0 := 0; r0 < rows; r0 += s8ScratchRows {
			nr := min(rows-r0, s8ScratchRows)
			kern(&a[r0*lda], lda, nr, &p.data[full*pstride], kg, kt, &tmp[0], s8NR)
			for r := 0; r < nr; r++ {
				o := out[(r0+r)*ldo+j0 : (r0+r)*ldo+n]
				requantFP32(tmp[r*s8NR:r*s8NR+m], bias[j0:n], scale[j0:n], zp, lo, hi, o)
			}
		}
	}
}
