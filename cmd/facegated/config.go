package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/facegate/facegate/capture"
	"github.com/facegate/facegate/door"
	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/liveness"
	"github.com/facegate/facegate/mqtt"
	"github.com/facegate/facegate/policy"
)

// DefaultConfigPath is where the daemon reads its config unless -config says otherwise.
const DefaultConfigPath = "/etc/facegate/facegated.yaml"

// Config is the daemon's whole configuration: one YAML file (see
// systemd/facegated.example.yaml, which documents every key). Each section
// belongs to the package that uses it.
type Config struct {
	// Device names this terminal to the site's MQTT broker and in events.
	Device DeviceConfig `yaml:"device"`
	// StateDir holds the gallery, the outbox and the device keys; systemd's
	// StateDirectory=facegate makes it /var/lib/facegate.
	StateDir string `yaml:"state_dir"`
	// Camera selects and tunes the frame source.
	Camera capture.Config `yaml:"camera"`
	// Infer names the model files and the detection and quality settings.
	Infer infer.Config `yaml:"infer"`
	// Models selects the float or the int8 detector and embedder.
	Models ModelsConfig `yaml:"models"`
	// FaceMeshModel is face_landmark.tflite, used by liveness.
	FaceMeshModel string `yaml:"face_mesh_model"`
	// Liveness selects the liveness policy and tunes its cues.
	Liveness liveness.Config `yaml:"liveness"`
	// Gallery locates the encrypted template store and its key.
	Gallery gallery.Config `yaml:"gallery"`
	// Policy is the decision policy (consensus, thresholds, attempt limiting).
	Policy policy.Config `yaml:"policy"`
	// Door is the lock, contact, exit button and fire input wiring.
	Door door.Config `yaml:"door"`
	// MQTT is the broker connection, topics, trusted admin keys and outbox.
	MQTT mqtt.Config `yaml:"mqtt"`
	// Metrics is the local Prometheus endpoint.
	Metrics MetricsConfig `yaml:"metrics"`
	// Log selects log format and level.
	Log LogConfig `yaml:"log"`
}

// DeviceConfig identifies the terminal.
type DeviceConfig struct {
	// ID is the device id, unique within the site ([a-z0-9_-], 1..64).
	ID string `yaml:"id"`
	// Site is the site id ([a-z0-9_-], 1..64).
	Site string `yaml:"site"`
}

// MetricsConfig is the local observability endpoint.
type MetricsConfig struct {
	// Listen is host:port for /metrics and /healthz; empty disables it.
	Listen string `yaml:"listen"`
}

// ModelsConfig selects model variants.
type ModelsConfig struct {
	// Quantized makes the daemon use the int8 models `make models` (and the
	// package) install next to the float ones: <name>-int8.tflite for
	// infer.detector_model and infer.embedder_model. They run several
	// times faster; int8 embeddings differ slightly from float ones, so
	// switch before enrolling, not after (see docs/accuracy.md).
	Quantized bool `yaml:"quantized"`
}

// int8Model returns the int8 file make models writes for a float model
// file (path unchanged when it already names one).
func int8Model(path string) string {
	if path == "" || strings.HasSuffix(path, "-int8.tflite") {
		return path
	}
	return strings.TrimSuffix(path, ".tflite") + "-int8.tflite"
}

// LogConfig selects the log output.
type LogConfig struct {
	// Format is "auto" (JSON under systemd, text on a terminal), "json" or "text".
	Format string `yaml:"format"`
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
}

// ModelDir is where the package installs the models.
const ModelDir = "/usr/share/facegate/models"

func defaultInfer() infer.Config {
	c := infer.Config{
		DetectorModel: filepath.Join(ModelDir, "face_detection_short_range.tflite"),
		EmbedderModel: filepath.Join(ModelDir, "MobileFaceNet.tflite"),
		Threads:       2,
		// One embedding per face: adding the mirrored face's embedding
		// gained 2 of 320 dev-set genuine pairs at FAR 1e-4 but doubles
		// the slowest stage, and a door is judged by how fast it opens
		// (docs/accuracy.md). The shipped calibration is for this setting.
		SingleEmbedding: true,
	}
	return c.WithDefaults()
}

func defaultPolicy() policy.Config {
	p := policy.Defaults()
	p.Threshold = infer.DefaultMatchThreshold // one source for the calibrated threshold
	return p
}

// defaultConfig returns every default; the file is decoded on top of it.
func defaultConfig() Config {
	return Config{
		StateDir:      "/var/lib/facegate",
		Camera:        capture.Config{Backend: "v4l2"}.WithDefaults(),
		Infer:         defaultInfer(),
		FaceMeshModel: filepath.Join(ModelDir, "face_landmark.tflite"),
		Liveness:      liveness.DefaultConfig(),
		Gallery:       gallery.Config{Path: "gallery.db", KeyFile: "gallery.key"},
		Policy:        defaultPolicy(),
		Door:          door.Defaults(),
		MQTT: mqtt.Config{StatePath: "mqtt-state.db", Outbox: mqtt.OutboxConfig{Path: "outbox.db"},
			CAFile: "/etc/facegate/ca.pem", CertFile: "/etc/facegate/device.crt", KeyFile: "/etc/facegate/device.key"},
		Metrics: MetricsConfig{Listen: "127.0.0.1:9464"},
		Log:     LogConfig{Format: "auto", Level: "info"},
	}
}

// LoadConfig reads, strictly decodes, defaults and validates a config file.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes YAML on top of the defaults, rejecting unknown keys,
// then validates the result.
func ParseConfig(b []byte) (Config, error) {
	cfg := defaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, explainYAML(err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Config{}, errors.New("more than one YAML document: keep the whole config in one document")
	}
	cfg.resolvePaths()
	cfg.fillDerived()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// explainYAML turns yaml.v3's "field x not found in type main.T" into words.
func explainYAML(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("not valid YAML: %w", err)
	}
	re := regexp.MustCompile(`field (\S+) not found in type \S+`)
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = re.ReplaceAllString(m, "unknown key $1 (check its spelling and section; facegated.example.yaml lists every key)")
	}
	return errors.New(strings.Join(msgs, "; "))
}

func (c *Config) resolvePaths() {
	under := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(c.StateDir, p)
	}
	c.Gallery.Path = under(c.Gallery.Path)
	c.Gallery.KeyFile = under(c.Gallery.KeyFile)
	c.MQTT.StatePath = under(c.MQTT.StatePath)
	c.MQTT.Outbox.Path = under(c.MQTT.Outbox.Path)
}

// fillDerived fills what follows from other keys: the device and site
// names the MQTT layer uses, and each package's own defaults.
func (c *Config) fillDerived() {
	if c.MQTT.Device == "" {
		c.MQTT.Device = c.Device.ID
	}
	if c.MQTT.Site == "" {
		c.MQTT.Site = c.Device.Site
	}
	c.MQTT.SetDefaults()
	c.Gallery.SetDefaults()
	c.Camera = c.Camera.WithDefaults()
	c.Infer = c.Infer.WithDefaults()
	if c.Models.Quantized {
		c.useInt8Models()
	}
	c.Liveness = c.Liveness.WithDefaults()
}

// useInt8Models sets models.quantized and points the detector and
// embedder at the int8 files `make models` writes beside the float ones.
func (c *Config) useInt8Models() {
	c.Models.Quantized = true
	c.Infer.DetectorModel = int8Model(c.Infer.DetectorModel)
	c.Infer.EmbedderModel = int8Model(c.Infer.EmbedderModel)
}

var idRE = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// Validate checks every section; the error names the field, the bad value
// and what to do.
func (c Config) Validate() error {
	var errs []error
	if !idRE.MatchString(c.Device.ID) {
		errs = append(errs, fmt.Errorf("device.id: %q is not valid: use 1-64 characters from a-z, 0-9, _ and - (e.g. \"front-door\")", c.Device.ID))
	}
	if !idRE.MatchString(c.Device.Site) {
		errs = append(errs, fmt.Errorf("device.site: %q is not valid: use 1-64 characters from a-z, 0-9, _ and - (e.g. \"hq\")", c.Device.Site))
	}
	if !filepath.IsAbs(c.StateDir) {
		errs = append(errs, fmt.Errorf("state_dir: %q is not an absolute path: use e.g. /var/lib/facegate", c.StateDir))
	}
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			errs = append(errs, fmt.Errorf("metrics.listen: %q is not host:port: use e.g. 127.0.0.1:9464, or \"\" to disable", c.Metrics.Listen))
		}
	}
	switch c.Log.Format {
	case "auto", "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log.format: %q is unknown: use auto, json or text", c.Log.Format))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level: %q is unknown: use debug, info, warn or error", c.Log.Level))
	}
	if c.Liveness.Mode != liveness.ModeOff && c.FaceMeshModel == "" {
		errs = append(errs, fmt.Errorf("face_mesh_model: empty while liveness.mode is %s: name face_landmark.tflite or set liveness.mode: off", c.Liveness.Mode))
	}
	if c.Liveness.Mode != liveness.ModeOff && c.Policy.LivenessTimeout < c.Liveness.Timeout {
		errs = append(errs, fmt.Errorf("policy.liveness_timeout: %v is shorter than liveness.timeout %v: the policy would refuse a face before liveness has had its time; use at least %v", c.Policy.LivenessTimeout, c.Liveness.Timeout, c.Liveness.Timeout))
	}
	if c.MQTT.Device != c.Device.ID || c.MQTT.Site != c.Device.Site {
		errs = append(errs, fmt.Errorf("mqtt.device/mqtt.site: %q/%q differ from device.id/device.site %q/%q: leave them out (they default to device.*)", c.MQTT.Device, c.MQTT.Site, c.Device.ID, c.Device.Site))
	}
	for _, v := range []interface{ Validate() error }{c.Camera, c.Infer, c.Liveness, c.Gallery, c.Policy, c.Door, &c.MQTT} {
		if err := v.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
