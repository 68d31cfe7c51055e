package tflite

// gemm computes C = clamp(A·B + bias) for A of m rows of k floats, B packed
// in pw, writing rows of ldc floats: the columns of weight panels [p0,p1)
// (all panels: 0, ceil(pw.n/gemmNR)).
//
// The loop runs over weight panels, then over blocks of gemmMaxRows rows of
// A: one panel (k×gemmNR floats, 32 KB at k = 512) stays in L1 while the
// rows of A stream past it. Full panels are written straight into C; the
// last panel of an N that is not a multiple of gemmNR goes through a
// scratch block, since the kernel always writes gemmNR columns.
func gemm(a []float32, m, k int, pw *packedWeights, p0, p1 int, c []float32, ldc int, lo, hi float32) {
	n := pw.n
	var tmp [gemmMaxRows * gemmNR]float32
	for p := p0; p < p1; p++ {
		panel := pw.panels[p*k*gemmNR : (p+1)*k*gemmNR]
		bias := pw.bias[p*gemmNR : (p+1)*gemmNR]
		if p+1 < p1 && (p+2)*gemmNR <= n {
			// two full panels
			panel1 := pw.panels[(p+1)*k*gemmNR : (p+2)*k*gemmNR]
			bias1 := pw.bias[(p+1)*gemmNR : (p+2)*gemmNR]
			for i := 0; i < m; i += gemmMaxRows {
				rows := min(gemmMaxRows, m-i)
				gemmKernel2(k, a[i*k:], k, panel, panel1, bias, bias1, c[i*ldc+p*gemmNR:], ldc, rows, lo, hi)
			}
			p++
			continue
		}
		cols := min(gemmNR, n-p*gemmNR)
		for i := 0; i < m; i += gemmMaxRows {
			rows := min(gemmMaxRows, m-i)
			if cols == gemmNR {
				gemmKernel(k, a[i*k:], k, panel, bias, c[i*ldc+p*gemmNR:], ldc, rows, lo, hi)
				continue
			}
			if kernelPath == pathGo {
				// The portable kernel computes 4 columns at a time:
				// skip the groups that are only padding.
				gemmPortableCols(k, a[i*k:], k, panel, bias, tmp[:], gemmNR, rows, lo, hi, (cols+3)&^3)
			} else {
				gemmKernel(k, a[i*k:], k, panel, bias, tmp[:], gemmNR, rows, lo, hi)
			}
			for r := 0; r < rows; r++ {
				copy(c[(i+r)*ldc+p*gemmNR:][:cols], tmp[r*gemmNR:][:cols])
			}
		}
	}
}

// gemmKernelPortable is gemmKernelGo (kernels.go) for CPUs without SIMD
// kernels (armv7, and any build with the purego tag): the same sums, each
// output's products added in k order, computed 2 rows × 4 columns at a
// time so that the 8 sums, 4 weights and 2 inputs stay in registers (Go's
// register allocator spills a 4×4 block). Measured here on amd64 it runs
// MobileFaceNet about 1.6× faster than the definition's loop over a
// 16-float array.
func gemmKernelPortable(k int, a []float32, lda int, b, bias, c []float32, ldc, rows int, lo, hi float32) {
	gemmPortableCols(k, a, lda, b, bias, c, ldc, rows, lo, hi, gemmNR)
}

// gemmPortableCols is gemmKernelPortable for the first cols columns of the
// panel only (cols a multiple of 4, at most gemmNR).
func gemmPortableCols(k int, a []float32, lda int, b, bias, c []float32, ldc, rows int, lo, hi float32, cols int) {
	b = b[:k*gemmNR]
	bias = bias[:gemmNR]
	r := 0
	for ; r+2 <= rows; r += 2 {
		a0 := a[r*lda : r*lda+k]
		a1 := a[(r+1)*lda : (r+1)*lda+k]
		c0 := c[r*ldc : r*ldc+gemmNR]
		c1 := c[(r+1)*ldc : (r+1)*ldc+gemmNR]
		for j := 0; j < cols; j += 4 {
			s00, s01, s02, s03 := bias[j], bias[j+1], bias[j+2], bias[j+3]
			s10, s11, s12, s13 := s00, s01, s02, s03
			for kk, x0 := range a0 {
				bp := b[kk*gemmNR+j : kk*gemmNR+j+4 : kk*gemmNR+j+4]
				x1 := a1[kk]
				w0, w1, w2, w3 := bp[0], bp[1], bp[2], bp[3]
				s00 += float32(x0 * w0)
				s01 += float32(x0 * w1)
				s02 += float32(x0 * w2)
				s03 += float32(x0 * w3)
				s10 += float32(x1 * w0)
				s11 += float32(x1 * w1)
				s12 += float32(x1 * w2)
				s13 += float32(x1 * w3)
			}
			c0[j], c0[j+1], c0[j+2], c0[j+3] = min(max(s00, lo), hi), min(max(s01, lo), hi), min(max(s02, lo), hi), min(max(s03, lo), hi)
			c1[j], c1[j+1], c1[j+2], c1[j+3] = min(max(s10, lo), hi), min(max(s11, lo), hi), min(max(s12, lo), hi), min(max(s13, lo), hi)
		}
	}
	if r < rows {
		a0 := a[r*lda : r*lda+k]
		c0 := c[r*ldc : r*ldc+gemmNR]
		for j := 0; j < cols; j += 4 {
			s0, s1, s2, s3 := bias[j], bias[j+1], bias[j+2], bias[j+3]
			for kk, x := range a0 {
				bp := b[kk*gemmNR+j : kk*gemmNR+j+4 : kk*gemmNR+j+4]
				s0 += float32(x * bp[0])
				s1 += float32(x * bp[1])
				s2 += float32(x * bp[2])
				s3 += float32(x * bp[3])
			}
			c0[j], c0[j+1], c0[j+2], c0[j+3] = min(max(s0, lo), hi), min(max(s1, lo), hi), min(max(s2, lo), hi), min(max(s3, lo), hi)
		}
	}
}
