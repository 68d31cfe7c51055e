package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "facegate.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDoorTestSim(t *testing.T) {
	cfg := writeConfig(t, "door:\n  backend: sim\n  rex: {line: REX}\n")
	var out, errOut bytes.Buffer
	err := runDoor(context.Background(), []string{"test", "--config", cfg, "--no-pulse", "--duration", "1ms"}, &out, &errOut)
	if err != nil {
		t.Fatalf("door test: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{
		"lock (sim): LOCKED (line low; fail-secure",
		"contact (sim): low (door closed)",
		"rex REX: high (released)",
		"fire: not fitted",
		"done; lock left LOCKED",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "RELEASED") {
		t.Errorf("--no-pulse released the lock:\n%s", out.String())
	}
}

func TestDoorTestCancelledDuringPulseRelocks(t *testing.T) {
	cfg := writeConfig(t, "door:\n  backend: sim\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl-C before the pulse ends
	var out bytes.Buffer
	if err := runDoor(ctx, []string{"test", "--config", cfg, "--pulse", "30s"}, &out, &out); err != nil {
		t.Fatalf("door test: %v", err)
	}
	for _, want := range []string{"RELEASED for 30s", "LOCKED (stopped during the pulse)", "done; lock left LOCKED"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDoorTestErrors(t *testing.T) {
	good := writeConfig(t, "door:\n  backend: sim\n")
	tests := []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{}, "expected the subcommand test", true},
		{[]string{"test", "--config", filepath.Join(t.TempDir(), "missing.yaml")}, "read config", false},
		{[]string{"test", "--config", writeConfig(t, "door:\n  backend: sim\n  release: 1s\n")}, "door.release: 1s is below the 3 s minimum", false},
		{[]string{"test", "--config", writeConfig(t, "door:\n  backend: sim\n  colour: red\n")}, "field colour not found", false},
		{[]string{"test", "--config", good, "--pulse", "2m"}, "--pulse 2m0s", true},
		{[]string{"test", "--config", good, "extra"}, `unexpected argument "extra"`, true},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := runDoor(context.Background(), tt.args, &out, &out)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("door %q: %v, want an error containing %q", tt.args, err, tt.want)
			continue
		}
		if errors.Is(err, errUsage) != tt.usage {
			t.Errorf("door %q: usage error = %v, want %v", tt.args, errors.Is(err, errUsage), tt.usage)
		}
	}
}
