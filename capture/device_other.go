//go:build !linux

package capture

import (
	"errors"
	"fmt"
)

// OpenDevice fails: V4L2 exists only on Linux.
func OpenDevice(path string) (Device, error) {
	return nil, fmt.Errorf("open %s: %w", path, errors.ErrUnsupported)
}
