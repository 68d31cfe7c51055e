package capture_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/facegate/facegate/capture"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     capture.Config
		mention []string // empty: valid
	}{
		{"v4l2 defaults", capture.Config{Backend: "v4l2"}, nil},
		{"folder", capture.Config{Backend: "folder", Path: "/frames"}, nil},
		{"unknown backend", capture.Config{Backend: "gstreamer"}, []string{"camera.backend", `"gstreamer"`, "folder, mjpeg, v4l2"}},
		{"empty backend means v4l2", capture.Config{}, nil},
		{"bad format", capture.Config{Backend: "v4l2", Format: "h264"}, []string{"camera.format", `"h264"`, "yuyv"}},
		{"bad size", capture.Config{Backend: "v4l2", Width: -1, Height: 480}, []string{"camera.width/height", "-1x480"}},
		{"bad fps", capture.Config{Backend: "v4l2", FPS: -5}, []string{"camera.fps", "-5"}},
		{"too many buffers", capture.Config{Backend: "v4l2", Buffers: 100}, []string{"camera.buffers", "100"}},
		{"short timeout", capture.Config{Backend: "v4l2", Timeout: 100 * time.Millisecond}, []string{"camera.timeout", "100ms", "1s"}},
		{"path on v4l2", capture.Config{Backend: "v4l2", Path: "/x"}, []string{"camera.path", "camera.device"}},
		{"folder without path", capture.Config{Backend: "folder"}, []string{"camera.path", "image folder"}},
		{"mjpeg without path", capture.Config{Backend: "mjpeg"}, []string{"camera.path", "Motion-JPEG"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.WithDefaults().Validate()
			if len(tt.mention) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted a bad config")
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestOpenUnknownBackend(t *testing.T) {
	_, err := capture.Open(context.Background(), capture.Config{Backend: "rtsp"}, nil)
	if err == nil || !strings.Contains(err.Error(), "folder, mjpeg, v4l2") {
		t.Errorf("Open(rtsp) = %v, want an error listing the known backends", err)
	}
}

const sampleYAML = `
backend: v4l2
device: /dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920-video-index0
format: mjpeg
width: 1280
height: 720
fps: 15
buffers: 3
timeout: 3s
pin:
  driver: uvcvideo
  card: HD Pro Webcam C920
  bus_info: usb-0000:01:00.0-1.2
`

func decodeStrict(data []byte) (capture.Config, error) {
	var c capture.Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&c)
	return c, err
}

func TestConfigYAML(t *testing.T) {
	c, err := decodeStrict([]byte(sampleYAML))
	if err != nil {
		t.Fatal(err)
	}
	want := capture.Config{
		Backend: "v4l2", Device: "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920-video-index0",
		Format: "mjpeg", Width: 1280, Height: 720, FPS: 15, Buffers: 3, Timeout: 3 * time.Second,
		Pin: capture.Pin{Driver: "uvcvideo", Card: "HD Pro Webcam C920", BusInfo: "usb-0000:01:00.0-1.2"},
	}
	if c != want {
		t.Errorf("decoded %+v\nwant    %+v", c, want)
	}
	if err := c.WithDefaults().Validate(); err != nil {
		t.Error(err)
	}
	if _, err := decodeStrict([]byte("backend: v4l2\nresolution: 640x480\n")); err == nil {
		t.Error("strict decoding accepted an unknown key")
	}
}

func FuzzConfig(f *testing.F) {
	f.Add([]byte(sampleYAML))
	f.Add([]byte("backend: folder\npath: /x\nloop: true\nfps: 0.5\n"))
	f.Add([]byte("timeout: -1s\nwidth: 99999999999\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeStrict(data)
		if err != nil {
			return
		}
		// Validate must never panic; an accepted config must be usable.
		if c.WithDefaults().Validate() == nil {
			c = c.WithDefaults()
			if c.FPS <= 0 || (c.Backend == "v4l2" && (c.Width <= 0 || c.Buffers < 1)) {
				t.Fatalf("Validate accepted %+v", c)
			}
		}
	})
}
