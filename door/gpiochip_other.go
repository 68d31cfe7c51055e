//go:build !linux

package door

import "errors"

func openGPIOChip(cfg Config) (*Lines, error) {
	return nil, errors.New("the gpiochip backend needs Linux (GPIO character device); use backend sim elsewhere")
}
