package tflite

// gemm computes C = clamp(A·B + bias) for A of m rows of k floats, B packed
// in pw, writing rows of ldc floats (only the first pw.n columns).
func gemm(a []float32, m, k int, pw *packedWeights, c []float32, ldc int, lo, hi float32) {
	n := pw.n
	np := (n + nr - 1) / nr
	var tmp [mr * nr]float32
	for p := 0; p < np; p++ {
		panel := pw.panels[p*k*nr : (p+1)*k*nr]
		bias := pw.bias[p*nr : (p+1)*nr]
		cols := min(nr, n-p*nr)
		i := 0
		for ; i+mr <= m; i += mr {
			gemmMicro4x8(a[i*k:(i+mr)*k], k, panel, bias, &tmp)
			for r := 0; r < mr; r++ {
				row := c[(i+r)*ldc+p*nr:][:cols]
				t := tmp[r*nr:][:cols]
				for j := range row {
					row[j] = clamp(t[j], lo, hi)
				}
			}
		}
		for ; i < m; i++ {
			gemmMicro1x8(a[i*k:(i+1)*k], panel, bias, &tmp)
			row := c[i*ldc+p*nr:][:cols]
			for j := range row {
				row[j] = clamp(tmp[j], lo, hi)
			}
		}
	}
}

// gemmMicro4x8 computes 4 rows × 8 columns: out[r][j] = bias[j] +
// Σ_k a[r*k+kk]·panel[kk*8+j]. The 32 accumulators live in locals so the
// compiler keeps as many as it can in registers.
func gemmMicro4x8(a []float32, k int, panel, bias []float32, out *[mr * nr]float32) {
	a0, a1, a2, a3 := a[0:k], a[k:2*k], a[2*k:3*k], a[3*k:4*k]
	panel = panel[:k*nr]
	b0, b1, b2, b3, b4, b5, b6, b7 := bias[0], bias[1], bias[2], bias[3], bias[4], bias[5], bias[6], bias[7]
	c00, c01, c02, c03, c04, c05, c06, c07 := b0, b1, b2, b3, b4, b5, b6, b7
	c10, c11, c12, c13, c14, c15, c16, c17 := b0, b1, b2, b3, b4, b5, b6, b7
	c20, c21, c22, c23, c24, c25, c26, c27 := b0, b1, b2, b3, b4, b5, b6, b7
	c30, c31, c32, c33, c34, c35, c36, c37 := b0, b1, b2, b3, b4, b5, b6, b7
	for kk := 0; kk < k; kk++ {
		bp := panel[kk*nr : kk*nr+nr : kk*nr+nr]
		x0, x1, x2, x3 := a0[kk], a1[kk], a2[kk], a3[kk]
		w0, w1, w2, w3 := bp[0], bp[1], bp[2], bp[3]
		c00 += x0 * w0
		c01 += x0 * w1
		c02 += x0 * w2
		c03 += x0 * w3
		c10 += x1 * w0
		c11 += x1 * w1
		c12 += x1 * w2
		c13 += x1 * w3
		c20 += x2 * w0
		c21 += x2 * w1
		c22 += x2 * w2
		c23 += x2 * w3
		c30 += x3 * w0
		c31 += x3 * w1
		c32 += x3 * w2
		c33 += x3 * w3
		w4, w5, w6, w7 := bp[4], bp[5], bp[6], bp[7]
		c04 += x0 * w4
		c05 += x0 * w5
		c06 += x0 * w6
		c07 += x0 * w7
		c14 += x1 * w4
		c15 += x1 * w5
		c16 += x1 * w6
		c17 += x1 * w7
		c24 += x2 * w4
		c25 += x2 * w5
		c26 += x2 * w6
		c27 += x2 * w7
		c34 += x3 * w4
		c35 += x3 * w5
		c36 += x3 * w6
		c37 += x3 * w7
	}
	*out = [mr * nr]float32{
		c00, c01, c02, c03, c04, c05, c06, c07,
		c10, c11, c12, c13, c14, c15, c16, c17,
		c20, c21, c22, c23, c24, c25, c26, c27,
		c30, c31, c32, c33, c34, c35, c36, c37,
	}
}

// gemmMicro1x8 is the single-row tail of gemmMicro4x8.
func gemmMicro1x8(a []float32, panel, bias []float32, out *[mr * nr]float32) {
	k := len(a)
	panel = panel[:k*nr]
	c0, c1, c2, c3, c4, c5, c6, c7 := bias[0], bias[1], bias[2], bias[3], bias[4], bias[5], bias[6], bias[7]
	for kk, x := range a {
		bp := panel[kk*nr : kk*nr+nr : kk*nr+nr]
		c0 += x * bp[0]
		c1 += x * bp[1]
		c2 += x * bp[2]
		c3 += x * bp[3]
		c4 += x * bp[4]
		c5 += x * bp[5]
		c6 += x * bp[6]
		c7 += x * bp[7]
	}
	out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = c0, c1, c2, c3, c4, c5, c6, c7
}
