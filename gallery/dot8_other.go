//go:build purego || !(amd64 || arm64)

package gallery

// dots8 is the int8 kernel searches use: the portable one here.
var dots8 = kernGo

// kernels8 lists the int8 kernels this CPU can run, the portable one first.
func kernels8() []kernel8 { return []kernel8{kernGo} }

// run calls the kernel.
func (kn kernel8) run(k *query8, t []int8, meta []qmeta, out []int32) {
	dots8Go(k, t, meta, out)
}
