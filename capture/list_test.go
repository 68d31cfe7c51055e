package capture_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/facegate/facegate/capture"
)

func TestListDevices(t *testing.T) {
	dev := t.TempDir()
	for _, n := range []string{"video10", "video2", "video0", "vhost-net"} {
		writeFile(t, filepath.Join(dev, n), nil)
	}
	for _, d := range []string{"v4l/by-id", "v4l/by-path"} {
		if err := os.MkdirAll(filepath.Join(dev, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	byID := filepath.Join(dev, "v4l/by-id/usb-046d_C920-video-index0")
	byPath := filepath.Join(dev, "v4l/by-path/pci-0000:01:00.0-usb-0:1.2:1.0-video-index0")
	if err := os.Symlink("../../video2", byID); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dev, "video2"), byPath); err != nil { // absolute target
		t.Fatal(err)
	}
	got, err := capture.ListDevices(dev)
	if err != nil {
		t.Fatal(err)
	}
	want := []capture.DeviceNode{
		{Path: filepath.Join(dev, "video0")},
		{Path: filepath.Join(dev, "video2"), Aliases: []string{byID, byPath}},
		{Path: filepath.Join(dev, "video10")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListDevices =\n%+v\nwant\n%+v", got, want)
	}
}
