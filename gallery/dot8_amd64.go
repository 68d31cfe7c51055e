//go:build !purego

package gallery

import "golang.org/x/sys/cpu"

// dotsVNNI sets out[i] = Σ_j u[j]·t[i·stride+j] for i < n with AVX-512 VNNI
// (VPDPBUSD, unsigned × signed bytes). stride is a positive multiple of 64;
// u holds stride bytes, t n·stride, out n values.
//
//go:noescape
func dotsVNNI(u *uint8, t *int8, stride, n int, out *int32)

// dotsAVXVNNI is dotsVNNI with AVX-VNNI (the VEX form of VPDPBUSD on
// 256-bit registers, for CPUs without AVX-512).
//
//go:noescape
func dotsAVXVNNI(u *uint8, t *int8, stride, n int, out *int32)

// dotsAVX2 sets out[i] = Σ_j w[j]·t[i·stride+j] for i < n with AVX2
// (VPMOVSXBW, VPMADDWD). stride is a positive multiple of 32; w holds
// stride int16 values, t n·stride, out n values.
//
//go:noescape
func dotsAVX2(w *int16, t *int8, stride, n int, out *int32)

// hasVNNI reports AVX-512 VNNI on 512-bit registers (and the OS saving
// them, which x/sys/cpu folds into HasAVX512F).
var hasVNNI = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI

// dots8 is the int8 kernel searches use: the best this CPU has.
var dots8 = pick8()

func pick8() kernel8 {
	ks := kernels8()
	return ks[len(ks)-1]
}

// kernels8 lists the int8 kernels this CPU can run, portable first and
// fastest last.
func kernels8() []kernel8 {
	ks := []kernel8{kernGo}
	if cpu.X86.HasAVX2 {
		ks = append(ks, kernAVX2)
		if cpu.X86.HasAVXVNNI {
			ks = append(ks, kernAVXVNNI)
		}
	}
	if hasVNNI {
		ks = append(ks, kernVNNI)
	}
	return ks
}

// run calls the kernel.
func (kn kernel8) run(k *query8, t []int8, meta []qmeta, out []int32) {
	switch kn {
	case kernVNNI:
		dots8VNNI(k, t, meta, out)
	case kernAVXVNNI:
		dots8AVXVNNI(k, t, meta, out)
	case kernAVX2:
		dots8AVX2(k, t, meta, out)
	default:
		dots8Go(k, t, meta, out)
	}
}

// check8 panics unless the slices hold what a kernel will touch; the asm
// must never read or write outside them.
func check8(k *query8, t []int8, meta []qmeta, out []int32) {
	if k.stride <= 0 || k.stride%64 != 0 || k.stride > maxDim8 || len(t) < len(out)*k.stride || len(meta) < len(out) {
		panic("gallery: int8 kernel called with inconsistent slices")
	}
}

func dots8VNNI(k *query8, t []int8, meta []qmeta, out []int32) {
	check8(k, t, meta, out)
	if len(out) == 0 {
		return
	}
	dotsVNNI(&k.u[0], &t[0], k.stride, len(out), &out[0])
	// Σ(p+128)·c = Σp·c + 128·Σc.
	for i := range out {
		out[i] -= 128 * meta[i].sum
	}
}

func dots8AVXVNNI(k *query8, t []int8, meta []qmeta, out []int32) {
	check8(k, t, meta, out)
	if len(out) == 0 {
		return
	}
	dotsAVXVNNI(&k.u[0], &t[0], k.stride, len(out), &out[0])
	for i := range out {
		out[i] -= 128 * meta[i].sum
	}
}

func dots8AVX2(k *query8, t []int8, meta []qmeta, out []int32) {
	check8(k, t, meta, out)
	if len(out) == 0 {
		return
	}
	dotsAVX2(&k.w[0], &t[0], k.stride, len(out), &out[0])
}
