package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const testAdmin = "alice=PgU5RJAMVqvIXY9iMmc0Qoc91w66ZeJ0L2rUVClAIz8="

func TestProvision(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "etc", "facegated.yaml")
	state := filepath.Join(dir, "state")
	args := []string{"--site", "hq", "--device", "front-door", "--broker", "ssl://broker.example:8883",
		"--config", conf, "--state-dir", state, "--admin-key", testAdmin}
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), append([]string{"provision"}, args...), &out, &errb); code != 0 {
		t.Fatalf("provision exit %d: %s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "fingerprint:     SHA256:") {
		t.Errorf("output has no fingerprint:\n%s", out.String())
	}
	for _, f := range []string{filepath.Join(state, "gallery.key"), filepath.Join(state, "device-id.key")} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatalf("key %s: %v", f, err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %04o, want 0600", f, st.Mode().Perm())
		}
	}
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Device struct{ ID, Site string }
		Mqtt   struct {
			Broker    string
			AdminKeys map[string]string `yaml:"admin_keys"`
		}
		StateDir string `yaml:"state_dir"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("config is not YAML: %v\n%s", err, b)
	}
	if m.Device.ID != "front-door" || m.Device.Site != "hq" || m.Mqtt.Broker != "ssl://broker.example:8883" ||
		m.StateDir != state || m.Mqtt.AdminKeys["alice"] == "" {
		t.Errorf("config = %+v\n%s", m, b)
	}

	first := fingerprintLine(t, out.String())
	// Again: the config exists, so it is refused without --force...
	out.Reset()
	errb.Reset()
	if code := dispatch(context.Background(), append([]string{"provision"}, args...), &out, &errb); code == 0 || !strings.Contains(errb.String(), "--force") {
		t.Errorf("second provision: exit %d, stderr %q; want a refusal naming --force", code, errb.String())
	}
	// ...and with --force the keys are kept, so the fingerprint is the same.
	out.Reset()
	if code := dispatch(context.Background(), append([]string{"provision", "--force"}, args...), &out, &errb); code != 0 {
		t.Fatalf("provision --force exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "kept existing") || fingerprintLine(t, out.String()) != first || first == "" {
		t.Errorf("provision --force did not keep the keys (first %q):\n%s", first, out.String())
	}
}

func TestProvisionFingerprintStable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "id.key")
	pub1, created, err := deviceIdentity(path)
	if err != nil || !created {
		t.Fatalf("create: %v created=%v", err, created)
	}
	pub2, created, err := deviceIdentity(path)
	if err != nil || created {
		t.Fatalf("load: %v created=%v", err, created)
	}
	if fingerprint(pub1) != fingerprint(pub2) {
		t.Errorf("fingerprint changed: %s vs %s", fingerprint(pub1), fingerprint(pub2))
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := deviceIdentity(path); err == nil || !strings.Contains(err.Error(), "PEM") {
		t.Errorf("garbage key: %v, want a PEM error", err)
	}
}

func TestProvisionBadArgs(t *testing.T) {
	tests := [][]string{
		{"--site", "HQ!", "--device", "d", "--broker", "ssl://b:1"},
		{"--site", "hq", "--device", "", "--broker", "ssl://b:1"},
		{"--site", "hq", "--device", "d", "--broker", "nope"},
		{"--site", "hq", "--device", "d", "--broker", "ssl://b:1", "--admin-key", "alice=notakey"},
		{"--site", "hq", "--device", "d", "--broker", "ssl://b:1", "--state-dir", "relative"},
	}
	for _, args := range tests {
		var out, errb bytes.Buffer
		if code := dispatch(context.Background(), append([]string{"provision"}, args...), &out, &errb); code != 2 {
			t.Errorf("provision %v: exit %d, want 2 (usage); stderr %q", args, code, errb.String())
		}
	}
}

func fingerprintLine(t *testing.T, s string) string {
	t.Helper()
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "fingerprint:") {
			return l
		}
	}
	return ""
}
