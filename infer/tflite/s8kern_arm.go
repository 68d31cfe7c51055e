//go:build !purego

package tflite

import "golang.org/x/sys/cpu"

// int8 kernels on armv7 (32-bit Raspberry Pi OS). When the CPU has NEON,
// gemmS8 (VMULL.S8 + VPADAL.S16, exact for all int8 inputs), requantFP32
// and dwS8Tap use it; the other kernels are their portable definitions.

const (
	s8PathGo = iota
	s8PathNEON
)

// s8PathNames names the paths for tests and benchmarks.
var s8PathNames = [...]string{"go", "neon"}

// s8Path is the gemmS8 implementation in use. Tests set it to force a path
// the CPU supports (s8Paths).
var s8Path = s8Paths()[len(s8Paths())-1]

// s8Paths lists the paths this CPU can run, slowest first.
func s8Paths() []int {
	if cpu.ARM.HasNEON {
		return []int{s8PathGo, s8PathNEON}
	}
	return []int{s8PathGo}
}

//go:noescape
func s8NeonX1(a *int8, lda, rows int, w *int8, kg, kt int, c *int32, ldc int)

// s8ScratchRows is how many rows of a partial last panel go through the
// scratch block at a time (NEON has no masked stores).
const s8ScratchRows = 32

func gemmS8(a []int8, lda, rows int, p *s8Panels, c []int32, ldc int) {
	if rows <= 0 || p.n == 0 {
		return
	}
	s8CheckGemm(a, lda, rows, p, c, ldc)
	// The kernel reads each row's tail group as the 4 bytes ending at
	// column k-1, so it needs k ≥ 4.
	if p.k < s8KG || s8Path == s8PathGo {
		gemmS8Go(a, lda, rows, p, c, ldc)
		return
	}
	n, kg, kt := p.n, p.k/s8KG, p.k%s8KG
	pstride := p.kp * s8NR
	full := n / s8NR
	for pi := 0; pi < full; pi++ {
		s8NeonX1(&a[0], lda, rows, &p.data[pi*pstride], kg, kt, &c[pi*s8NR], ldc)
	}
	if m := n - full*s8NR; m > 0 {
		var tmp [s8ScratchRows * s8NR]int32
		for r0 := 0; r0 < rows; r0 += s8ScratchRows {
			nr := min(rows-r0, s8ScratchRows)
			s8NeonX1(&a[r0*lda], lda, nr, &p.data[full*pstride], kg, kt, &tmp[0], s8NR)
			for r := 0; r < nr; r++ {
				copy(c[(r0+r)*ldc+full*s8NR:(r0+r)*ldc+n], tmp[r*s8NR:r*s8NR+m])
			}
		}
	}
}

func gemmS8Requant(a []int8, lda, rows int, p *s8Panels, bias []int32, scale []float32, zp, lo, hi int32, out []int8, ldo int, acc []int32) {
	gemmS8RequantSplit(a, lda, rows, p, bias, scale, zp, lo, hi, out, ldo, acc)
}
