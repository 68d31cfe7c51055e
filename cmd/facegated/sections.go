package main

// Config sections whose owning package has not landed yet. Each is replaced
// by the package's own Config type (same YAML key) as soon as it exists.

import (
	"errors"
	"fmt"
	"net/url"
)

// CameraConfig selects the frame source (placeholder for capture.Config).
type CameraConfig struct {
	// Backend is v4l2 or replay.
	Backend string `yaml:"backend"`
	// Device is the V4L2 device path.
	Device string `yaml:"device"`
	// Dir is the replay folder of images.
	Dir string `yaml:"dir"`
	// Width and Height are the requested frame size in pixels.
	Width  int `yaml:"width"`
	Height int `yaml:"height"`
	// FPS is the requested (or replay) frame rate.
	FPS int `yaml:"fps"`
	// Loop replays the folder forever.
	Loop bool `yaml:"loop"`
}

func defaultCamera() CameraConfig {
	return CameraConfig{Backend: "v4l2", Device: "/dev/video0", Width: 640, Height: 480, FPS: 15}
}

// Validate checks the camera section.
func (c CameraConfig) Validate() error {
	switch c.Backend {
	case "v4l2":
		if c.Device == "" {
			return errors.New("camera.device: empty: name the camera, e.g. /dev/video0 or /dev/v4l/by-id/...")
		}
	case "replay":
		if c.Dir == "" {
			return errors.New("camera.dir: empty: the replay backend needs a folder of images")
		}
	default:
		return fmt.Errorf("camera.backend: %q is unknown: use v4l2 or replay", c.Backend)
	}
	if c.Width < 64 || c.Height < 64 || c.Width > 4096 || c.Height > 4096 {
		return fmt.Errorf("camera.width/height: %dx%d is out of range: use e.g. 640x480", c.Width, c.Height)
	}
	if c.FPS < 1 || c.FPS > 120 {
		return fmt.Errorf("camera.fps: %d is out of range: use 1..120", c.FPS)
	}
	return nil
}

// LivenessConfig selects the liveness policy (placeholder for liveness.Config).
type LivenessConfig struct {
	// Mode is off, passive, blink or strict.
	Mode string `yaml:"mode"`
}

func defaultLiveness() LivenessConfig { return LivenessConfig{Mode: "passive"} }

// Validate checks the liveness section.
func (c LivenessConfig) Validate() error {
	switch c.Mode {
	case "off", "passive", "blink", "strict":
		return nil
	}
	return fmt.Errorf("liveness.mode: %q is unknown: use off, passive, blink or strict", c.Mode)
}

// MQTTConfig is the broker connection (placeholder for mqtt.Config).
type MQTTConfig struct {
	// Broker is the URL, e.g. mqtts://broker.example:8883.
	Broker string `yaml:"broker"`
	// CAFile, CertFile and KeyFile are the TLS material (mTLS).
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// AdminKeys are the trusted admin Ed25519 public keys (base64).
	AdminKeys []string `yaml:"admin_keys"`
	// DeviceKeyFile is the device's Ed25519 private key; relative to state_dir.
	DeviceKeyFile string `yaml:"device_key_file"`
	// OutboxPath is the durable event outbox; relative to state_dir.
	OutboxPath string `yaml:"outbox_path"`
}

func defaultMQTT() MQTTConfig {
	return MQTTConfig{DeviceKeyFile: "device.key", OutboxPath: "outbox.db"}
}

// Validate checks the mqtt section.
func (c MQTTConfig) Validate() error {
	if c.Broker == "" {
		return errors.New("mqtt.broker: empty: name the site broker, e.g. mqtts://broker.example:8883")
	}
	u, err := url.Parse(c.Broker)
	if err != nil || u.Host == "" {
		return fmt.Errorf("mqtt.broker: %q is not a URL: use e.g. mqtts://broker.example:8883", c.Broker)
	}
	switch u.Scheme {
	case "mqtt", "tcp", "mqtts", "ssl", "tls":
	default:
		return fmt.Errorf("mqtt.broker: scheme %q is unknown: use mqtts:// (TLS) or mqtt:// (loopback only)", u.Scheme)
	}
	return nil
}
