package gallery

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// Fuzz tests for every decoder of stored bytes. The seeds run in plain
// `go test`; `go test -fuzz=FuzzX ./gallery` explores further.

func FuzzDecodePerson(f *testing.F) {
	f.Add(encodePerson(personRecord{Person: Person{ID: "x", Name: "Ann", Version: 3, UpdatedAt: time.Unix(9, 0)}, templates: 2}))
	f.Add(encodePerson(personRecord{Person: Person{ID: "x", ValidFrom: time.Unix(1, 0), ValidUntil: time.Unix(2, 0), Revoked: true}, templates: 1}))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff})
	f.Add([]byte{0, 1, 'a', 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePerson("id", b)
		if err != nil {
			return
		}
		// Whatever decodes is valid and re-encodes to the same bytes.
		if err := p.Validate(); err != nil {
			t.Fatalf("decoded person invalid: %v", err)
		}
		if got := encodePerson(p); !bytes.Equal(got, b) {
			t.Fatalf("re-encode differs:\n got %x\nwant %x", got, b)
		}
	})
}

func FuzzDecodeTemplate(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	f.Add(encodeTemplate(randVec(r, 4)), 4)
	f.Add(encodeTemplate(randVec(r, 192)), 192)
	f.Add(encodeTemplate([]float32{float32(math.NaN()), 1, 0, 0}), 4)
	f.Add([]byte{0, 4, 1, 2}, 4)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, b []byte, dim int) {
		if dim < 0 || dim > MaxDim {
			return
		}
		v, err := decodeTemplate(b, dim)
		if err != nil {
			return
		}
		if len(v) != dim {
			t.Fatalf("decoded %d values, want %d", len(v), dim)
		}
		if _, err := normalize(v, dim); err != nil {
			t.Fatalf("decoded template unusable: %v", err)
		}
		if got := encodeTemplate(v); !bytes.Equal(got, b) {
			t.Fatalf("re-encode differs")
		}
	})
}

// FuzzOpenRecord feeds arbitrary bytes to the sealed-record opener and then
// to the decoders, as Open does with file contents.
func FuzzOpenRecord(f *testing.F) {
	s := testSealer(f, 5, 5)
	r := rand.New(rand.NewPCG(3, 4))
	good, _ := s.seal(kindTemplate, "p", 1, encodeTemplate(randVec(r, 8)))
	person, _ := s.seal(kindPerson, "p", 0, encodePerson(personRecord{Person: Person{ID: "p"}, templates: 1}))
	f.Add(good, byte(kindTemplate), uint64(1))
	f.Add(person, byte(kindPerson), uint64(0))
	f.Add(good[:len(good)-1], byte(kindTemplate), uint64(1))
	f.Add([]byte{1, 'T'}, byte(kindTemplate), uint64(1))
	f.Add([]byte{}, byte(0), uint64(0))
	f.Fuzz(func(t *testing.T, rec []byte, kind byte, tid uint64) {
		plain, err := s.open(kind, "p", tid, rec)
		if err != nil {
			return
		}
		// Only genuine seals open; they must decode.
		if kind == kindTemplate {
			if _, err := decodeTemplate(plain, 8); err != nil {
				t.Fatalf("sealed template does not decode: %v", err)
			}
		}
		if kind == kindPerson {
			if _, err := decodePerson("p", plain); err != nil {
				t.Fatalf("sealed person does not decode: %v", err)
			}
		}
	})
}

func FuzzHeader(f *testing.F) {
	k, _ := deriveKeys(testKey(7))
	good := k.encodeHeader(header{version: FormatVersion, dim: 192, keyID: k.keyID, created: time.Unix(1, 0)})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte("FGGALLRY"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := k.verifyHeader(b)
		if err != nil {
			return
		}
		if h.dim < 1 || h.dim > MaxDim || h.version != FormatVersion {
			t.Fatalf("accepted header %+v", h)
		}
		if !bytes.Equal(k.encodeHeader(h), b) {
			t.Fatalf("accepted header does not re-encode")
		}
	})
}

func FuzzParseCalibration(f *testing.F) {
	f.Add([]byte(`{"points":[{"similarity":0.25,"fmr":0.01},{"similarity":0.45,"fmr":1e-5}]}`))
	f.Add([]byte(`{"points":[{"similarity":0.25,"fmr":0}]}`))
	f.Add([]byte(`{"points":null}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCalibration(b)
		if err != nil {
			return
		}
		prev := math.Inf(1)
		for s := -1.0; s <= 1.0; s += 0.01 {
			e := c.Estimate(s)
			if !(e.FMR > 0 && e.FMR <= 1) || e.FMR > prev*(1+1e-9) {
				t.Fatalf("Estimate(%v) = %+v after %v", s, e, prev)
			}
			prev = e.FMR
			_ = e.String()
		}
	})
}
