package gallery

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testKey(b byte) Secret {
	var k [KeySize]byte
	for i := range k {
		k[i] = b + byte(i)
	}
	return Secret{b: &k}
}

func testSealer(t testing.TB, key byte, store byte) *sealer {
	t.Helper()
	k, err := deriveKeys(testKey(key))
	if err != nil {
		t.Fatal(err)
	}
	s := &sealer{k: k}
	s.storeID[0] = store
	return s
}

// TestADBinding: a sealed record opens only for the person, template id,
// kind and store it was sealed for, and only under its key.
func TestADBinding(t *testing.T) {
	s := testSealer(t, 1, 1)
	v := randVec(rand.New(rand.NewPCG(1, 1)), 8)
	rec, err := s.seal(kindTemplate, "alice", 3, encodeTemplate(v))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.open(kindTemplate, "alice", 3, rec); err != nil {
		t.Fatalf("open own record: %v", err)
	}
	other := testSealer(t, 1, 2)
	wrongKey := testSealer(t, 9, 1)
	tests := []struct {
		name string
		s    *sealer
		kind byte
		id   string
		tid  uint64
	}{
		{"other person", s, kindTemplate, "bob", 3},
		{"person id prefix", s, kindTemplate, "alic", 3},
		{"other template id", s, kindTemplate, "alice", 4},
		{"as person record", s, kindPerson, "alice", 3},
		{"other store", other, kindTemplate, "alice", 3},
		{"wrong key", wrongKey, kindTemplate, "alice", 3},
	}
	for _, tt := range tests {
		if _, err := tt.s.open(tt.kind, tt.id, tt.tid, rec); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: open error %v, want ErrCorrupt", tt.name, err)
		}
	}
	// Nonces are fresh: sealing the same plaintext twice differs.
	rec2, _ := s.seal(kindTemplate, "alice", 3, encodeTemplate(v))
	if bytes.Equal(rec[2:14], rec2[2:14]) {
		t.Error("two seals reused a nonce")
	}
	if bytes.Contains(rec, encodeTemplate(v)[2:]) {
		t.Error("plaintext visible in sealed record")
	}
}

func TestPersonRecordRoundTrip(t *testing.T) {
	tests := []personRecord{
		{Person: Person{ID: "a", Version: 1, UpdatedAt: time.Unix(0, 5)}, templates: 1},
		{Person: Person{ID: "b", Name: "Zoë O'Brien", ValidFrom: time.Unix(100, 0), ValidUntil: time.Unix(200, 0),
			Revoked: true, Version: 1 << 40, UpdatedAt: time.Unix(1e9, 7)}, templates: 5},
		{Person: Person{ID: "c", ValidUntil: time.Unix(-5, 0), UpdatedAt: time.Unix(0, 0)}, templates: 2},
	}
	for _, want := range tests {
		b := encodePerson(want)
		got, err := decodePerson(want.ID, b)
		if err != nil {
			t.Fatalf("decode %s: %v", want.ID, err)
		}
		if got.Name != want.Name || !got.ValidFrom.Equal(want.ValidFrom) || !got.ValidUntil.Equal(want.ValidUntil) ||
			got.Revoked != want.Revoked || got.Version != want.Version || !got.UpdatedAt.Equal(want.UpdatedAt) ||
			got.templates != want.templates || got.ValidFrom.IsZero() != want.ValidFrom.IsZero() {
			t.Errorf("round trip %s:\n got %+v\nwant %+v", want.ID, got, want)
		}
	}
}

func TestHeader(t *testing.T) {
	k, _ := deriveKeys(testKey(3))
	h := header{version: FormatVersion, dim: 192, keyID: k.keyID, created: time.Unix(1234, 5)}
	h.storeID[5] = 7
	b := k.encodeHeader(h)
	got, err := k.verifyHeader(b)
	if err != nil || got != h {
		t.Fatalf("verifyHeader = %+v, %v; want %+v", got, err, h)
	}
	k2, _ := deriveKeys(testKey(4))
	if _, err := k2.verifyHeader(b); !errors.Is(err, ErrWrongKey) {
		t.Errorf("other key: %v, want ErrWrongKey", err)
	}
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 1
		if _, err := k.verifyHeader(c); err == nil {
			t.Errorf("flipped bit in header byte %d accepted", i)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := testKey(0xab)
	raw := fmt.Sprintf("%x", s.b[:])
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("key", "k", s, "p", &s)
	j, _ := json.Marshal(struct{ K Secret }{s})
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %x %X %q %d", s, s, s, s, s, s, s, s),
		fmt.Sprintf("%v", struct{ K Secret }{s}), fmt.Sprintf("%+v", &s), logBuf.String(), string(j),
	}
	for _, o := range outs {
		if strings.Contains(strings.ToLower(o), raw[:16]) || !strings.Contains(o, "redacted") {
			t.Errorf("key printed or not redacted: %s", o)
		}
	}
}

func TestCreateAndLoadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "device.key")
	if err := CreateKey(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() != KeySize {
		t.Fatalf("key file %v, %v; want 0600, %d bytes", st.Mode(), err, KeySize)
	}
	raw, _ := os.ReadFile(path)
	if err := CreateKey(path); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("CreateKey over existing key: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(raw, after) {
		t.Error("CreateKey changed an existing key")
	}
	k, err := LoadKey(path)
	if err != nil || !bytes.Equal(k.b[:], raw) {
		t.Fatalf("LoadKey: %v", err)
	}
	short := filepath.Join(dir, "short.key")
	_ = os.WriteFile(short, raw[:31], 0o600)
	open := filepath.Join(dir, "open.key")
	_ = os.WriteFile(open, raw, 0o640)
	_ = os.Chmod(open, 0o640)
	for _, tt := range []struct{ path, want string }{
		{short, "31 bytes, want 32"},
		{open, "chmod 600"},
		{filepath.Join(dir, "missing.key"), "no such file"},
		{dir, "not a regular file"},
	} {
		if _, err := LoadKey(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadKey(%s) = %v, want error containing %q", tt.path, err, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Path: "/var/lib/facegate/gallery.db", KeyFile: "/etc/facegate/gallery.key"}
	ok.SetDefaults()
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	if ok.Dim != 192 || ok.MaxTemplatesPerPerson != 10 {
		t.Errorf("defaults: %+v", ok)
	}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no db", func(c *Config) { c.Path = "" }, "gallery.path: empty"},
		{"no key", func(c *Config) { c.KeyFile = "" }, "gallery.key_file: empty"},
		{"same file", func(c *Config) { c.KeyFile = c.Path }, "gallery.key_file"},
		{"dim", func(c *Config) { c.Dim = -1 }, "gallery.dim: -1"},
		{"max templates", func(c *Config) { c.MaxTemplatesPerPerson = 5000 }, "gallery.max_templates_per_person: 5000"},
		{"quarantine dir", func(c *Config) { c.QuarantineDir = c.Path }, "gallery.quarantine_dir"},
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}
