package gallery

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// KeySize is the size of the device key in bytes (AES-256).
const KeySize = 32

const redacted = "[redacted]"

// Secret is the device key. It never prints: every fmt verb, slog and text
// marshalling show "[redacted]". The zero Secret is not a usable key.
type Secret struct {
	b *[KeySize]byte
}

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns "[redacted]" so %#v does not print the key either.
func (Secret) GoString() string { return redacted }

// Format prints "[redacted]" for every verb, including %x and %v.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue redacts the key in slog output.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText redacts the key in JSON, YAML and other text encodings.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// valid reports whether s holds a key.
func (s Secret) valid() bool { return s.b != nil }

// CreateKey writes a new random device key to path with mode 0600, creating
// the directory (0700) if needed. It refuses to overwrite an existing file,
// because a gallery encrypted under the old key would become unreadable.
// The file and its directory are fsynced before CreateKey returns.
func CreateKey(path string) error {
	var k [KeySize]byte
	if _, err := rand.Read(k[:]); err != nil {
		return fmt.Errorf("create device key %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create device key %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create device key %s: %w (refusing to overwrite: the gallery encrypted under it would become unreadable; remove it by hand only when re-provisioning)", path, err)
	}
	if err != nil {
		return fmt.Errorf("create device key %s: %w", path, err)
	}
	_, err = f.Write(k[:])
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("create device key %s: %w", path, err)
	}
	return nil
}

// LoadKey reads the device key from path. The file must hold exactly
// KeySize bytes and must not be readable or writable by group or others.
func LoadKey(path string) (Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return Secret{}, fmt.Errorf("load device key: %w (create one with CreateKey at provisioning)", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Secret{}, fmt.Errorf("load device key %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return Secret{}, fmt.Errorf("load device key %s: not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return Secret{}, fmt.Errorf("load device key %s: mode %04o lets other users access the key; run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	if st.Size() != KeySize {
		return Secret{}, fmt.Errorf("load device key %s: %d bytes, want %d", path, st.Size(), KeySize)
	}
	var k [KeySize]byte
	if _, err := io.ReadFull(f, k[:]); err != nil {
		return Secret{}, fmt.Errorf("load device key %s: %w", path, err)
	}
	return Secret{b: &k}, nil
}

// syncDir fsyncs a directory so a create or rename in it survives power loss.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
