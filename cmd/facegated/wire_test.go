package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/facegate/facegate/capture"
	"github.com/facegate/facegate/mqtt"
	"github.com/facegate/facegate/policy"
)

func TestCameraHealth(t *testing.T) {
	tests := []struct {
		sc     capture.StateChange
		status string
		detail string
	}{
		{capture.StateChange{State: capture.StateStreaming, Device: "/dev/video0", Info: capture.DeviceInfo{Card: "Cam"},
			Mode: capture.Mode{Width: 640, Height: 480}}, "ok", "streaming Cam 640x480"},
		{capture.StateChange{State: capture.StateLost, Err: errors.New("no frame for 2s")}, "failed", "lost: no frame for 2s"},
		{capture.StateChange{State: capture.StateReconnecting, Attempt: 3, Delay: 4 * time.Second}, "failed", "reconnecting"},
		{capture.StateChange{State: capture.StateClosed}, "ok", "closed"},
	}
	for _, tc := range tests {
		h := cameraHealth(tc.sc)
		if h.Component != "camera" || h.Status != tc.status || !strings.HasPrefix(h.Detail, tc.detail) {
			t.Errorf("%v: %+v, want status %s detail %q", tc.sc.State, h, tc.status, tc.detail)
		}
		if tc.sc.Attempt > 0 && h.Fields["attempt"] != tc.sc.Attempt {
			t.Errorf("%v: fields %v, want attempt %d", tc.sc.State, h.Fields, tc.sc.Attempt)
		}
	}
}

// The policy's outcomes are the access event's decisions of docs/mqtt.md.
func TestOutcomesMatchProtocol(t *testing.T) {
	known := map[string]bool{}
	for _, d := range []mqtt.Decision{mqtt.Granted, mqtt.DeniedUnknown, mqtt.DeniedSpoof, mqtt.DeniedQuality,
		mqtt.DeniedSchedule, mqtt.DeniedLiveness, mqtt.LockedOut} {
		known[string(d)] = true
	}
	for _, o := range []policy.Outcome{policy.Granted, policy.DeniedUnknown, policy.DeniedSpoof, policy.DeniedLiveness,
		policy.DeniedQuality, policy.DeniedSchedule, policy.LockedOut} {
		if !known[string(o)] {
			t.Errorf("policy outcome %q is not an access decision of the MQTT protocol", o)
		}
	}
}
