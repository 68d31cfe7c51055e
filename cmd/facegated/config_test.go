package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := LoadConfig("../../systemd/facegated.example.yaml")
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if cfg.Device.ID != "front-door" || cfg.MQTT.Device != "front-door" || cfg.MQTT.Site != "hq" {
		t.Errorf("device = %+v, mqtt device/site = %q/%q", cfg.Device, cfg.MQTT.Device, cfg.MQTT.Site)
	}
	if cfg.Gallery.Path != "/var/lib/facegate/gallery.db" || cfg.MQTT.Outbox.Path != "/var/lib/facegate/outbox.db" {
		t.Errorf("relative paths not resolved under state_dir: gallery %q outbox %q", cfg.Gallery.Path, cfg.MQTT.Outbox.Path)
	}
	if cfg.Policy.K != 2 || cfg.Policy.N != 3 || cfg.Policy.Backoff != 30*time.Second {
		t.Errorf("policy = %+v", cfg.Policy)
	}
}

// minimal is the smallest valid config: identity, door lines, broker, admin.
const minimal = `
device: {id: d1, site: s1}
door:
  lock: {line: GPIO17}
  contact: {line: GPIO27}
mqtt:
  broker: ssl://broker:8883
  admin_keys: {alice: PgU5RJAMVqvIXY9iMmc0Qoc91w66ZeJ0L2rUVClAIz8=}
`

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		// want are substrings the error must contain; none means valid.
		want []string
	}{
		{"minimal", minimal, nil},
		{"defaults filled", minimal, nil},
		{"unknown top-level key", minimal + "metrix: {listen: x}\n", []string{"line 9", "unknown key metrix"}},
		{"unknown nested key", minimal + "policy: {kk: 2}\n", []string{"unknown key kk"}},
		{"bad device id", strings.Replace(minimal, "id: d1", "id: Front Door", 1), []string{`device.id: "Front Door"`, "a-z"}},
		{"k above n", minimal + "policy: {k: 4, n: 3}\n", []string{"policy.k: 4", "1..policy.n (3)"}},
		{"short backoff", minimal + "policy: {backoff: 5s}\n", []string{"policy.backoff: 5s", "at least 30s"}},
		{"short door release", strings.Replace(minimal, "door:\n", "door:\n  release: 1s\n", 1), []string{"door.release: 1s"}},
		{"bad metrics address", minimal + "metrics: {listen: localhost}\n", []string{`metrics.listen: "localhost"`}},
		{"bad log level", minimal + "log: {level: loud}\n", []string{`log.level: "loud"`}},
		{"relative state dir", minimal + "state_dir: var/lib\n", []string{`state_dir: "var/lib"`}},
		{"camera backend", minimal + "camera: {backend: usb}\n", []string{"camera.backend"}},
		{"liveness mode", minimal + "liveness: {mode: maybe}\n", []string{"liveness"}},
		{"spectrum", minimal + "camera:\n  spectrum: uv\n", []string{`camera.spectrum "uv"`}},
		{"mqtt device differs", strings.Replace(minimal, "mqtt:\n", "mqtt:\n  device: other\n", 1), []string{"mqtt.device/mqtt.site"}},
		{"not yaml", "device: [", []string{"not valid YAML"}},
		{"two documents", minimal + "---\ndevice: {id: x}\n", []string{"more than one YAML document"}},
		{"empty", "", []string{"device.id", "mqtt.broker"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("ParseConfig: %v, want valid", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseConfig: nil error, want one containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := LoadConfig(t.TempDir() + "/nope.yaml")
	if err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("LoadConfig(missing) = %v, want a not-exist error", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// FuzzParseConfig: any bytes give a config or an error, never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte("device: {id: [1,2]}\n"))
	f.Add([]byte("policy: {k: -1, threshold: .nan}\n"))
	f.Add([]byte("door: {release: 99999999h}\n"))
	if b, err := os.ReadFile("../../systemd/facegated.example.yaml"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b)
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("ParseConfig accepted a config Validate refuses: %v", verr)
			}
		}
	})
}
