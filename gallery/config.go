package gallery

import (
	"errors"
	"fmt"
	"path/filepath"
)

// Config is the daemon's `gallery:` section.
type Config struct {
	// Path is the bbolt gallery file.
	Path string `yaml:"path"`
	// KeyFile is the path of the 32-byte device key (mode 0600), created at
	// provisioning with `CreateKey`.
	KeyFile string `yaml:"key_file"`
	// QuarantineDir is where a store that fails its integrity check is moved;
	// empty means the directory of Path.
	QuarantineDir string `yaml:"quarantine_dir"`
	// Dim is the embedding dimension (192 for MobileFaceNet).
	Dim int `yaml:"dim"`
	// Embedder identifies the embedding model that makes the templates
	// (set by the daemon from the model file, not by the user). When set,
	// the store records it and refuses to open if its templates were made
	// by another model (ErrEmbedderMismatch). Empty: not checked.
	Embedder string `yaml:"-"`
	// MaxTemplatesPerPerson bounds the templates one person may hold.
	MaxTemplatesPerPerson int `yaml:"max_templates_per_person"`
}

// Defaults used by SetDefaults.
const (
	DefaultDim                   = 192
	DefaultMaxTemplatesPerPerson = 10
)

// SetDefaults fills the zero numeric fields with their defaults. Paths have
// no default: the daemon's config must name them.
func (c *Config) SetDefaults() {
	if c.Dim == 0 {
		c.Dim = DefaultDim
	}
	if c.MaxTemplatesPerPerson == 0 {
		c.MaxTemplatesPerPerson = DefaultMaxTemplatesPerPerson
	}
}

// Validate checks c after SetDefaults and returns every problem, each naming
// the field, the bad value and the fix.
func (c Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("gallery.path: empty; set the gallery database file, e.g. /var/lib/facegate/gallery.db"))
	}
	if c.KeyFile == "" {
		errs = append(errs, errors.New("gallery.key_file: empty; set the device key path, e.g. /etc/facegate/gallery.key (created at provisioning)"))
	}
	if c.Path != "" && c.KeyFile != "" && filepath.Clean(c.Path) == filepath.Clean(c.KeyFile) {
		errs = append(errs, fmt.Errorf("gallery.key_file: %q is the same file as gallery.path; keep the key in its own file", c.KeyFile))
	}
	if c.QuarantineDir != "" && c.Path != "" && filepath.Clean(c.QuarantineDir) == filepath.Clean(c.Path) {
		errs = append(errs, fmt.Errorf("gallery.quarantine_dir: %q is the database file; name a directory or leave it empty", c.QuarantineDir))
	}
	if len(c.Embedder) > maxEmbedder {
		errs = append(errs, fmt.Errorf("gallery embedder identity is %d bytes, at most %d", len(c.Embedder), maxEmbedder))
	}
	if c.Dim < 1 || c.Dim > MaxDim {
		errs = append(errs, fmt.Errorf("gallery.dim: %d outside 1..%d; use the embedder's output size (192 for MobileFaceNet)", c.Dim, MaxDim))
	}
	if c.MaxTemplatesPerPerson < 1 || c.MaxTemplatesPerPerson > 1000 {
		errs = append(errs, fmt.Errorf("gallery.max_templates_per_person: %d outside 1..1000; the default is %d", c.MaxTemplatesPerPerson, DefaultMaxTemplatesPerPerson))
	}
	return errors.Join(errs...)
}
