package door

import (
	"fmt"
	"strings"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/host/v3/gpioioctl"
)

func init() { RegisterBackend("gpiochip", openGPIOChip) }

// ChipInfo describes a GPIO chip found by the gpiochip backend.
type ChipInfo struct {
	// Name is the kernel name ("gpiochip0").
	Name string
	// Label is the driver's label ("pinctrl-bcm2711", "facegate-sim").
	Label string
	// Path is the character device ("/dev/gpiochip0").
	Path string
	// Lines is the number of lines.
	Lines int
}

// Chips lists the GPIO chips of this machine, found through periph's
// gpioioctl driver.
func Chips() ([]ChipInfo, error) {
	if _, err := driverreg.Init(); err != nil {
		return nil, fmt.Errorf("gpio: periph init: %w", err)
	}
	var out []ChipInfo
	for _, c := range gpioioctl.Chips {
		out = append(out, ChipInfo{Name: c.Name(), Label: c.Label(), Path: c.Path(), Lines: c.LineCount()})
	}
	return out, nil
}

// findChip resolves door.chip by name, label or path.
func findChip(want string) (*gpioioctl.GPIOChip, error) {
	if _, err := driverreg.Init(); err != nil {
		return nil, fmt.Errorf("gpio: periph init: %w", err)
	}
	var found []string
	for _, c := range gpioioctl.Chips {
		if c.Name() == want || c.Label() == want || c.Path() == want {
			return c, nil
		}
		found = append(found, fmt.Sprintf("%s %q (%s)", c.Name(), c.Label(), c.Path()))
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("door.chip %q: no GPIO character devices found (/dev/gpiochip*); is this Linux with GPIO_CDEV, and may this user open them?", want)
	}
	return nil, fmt.Errorf("door.chip %q: no such GPIO chip; found %s", want, strings.Join(found, ", "))
}

// resolveLine returns the offset and name of ref on chip.
func resolveLine(chip *gpioioctl.GPIOChip, field string, ref LineRef) (int, string, error) {
	if n, ok := ref.Number(); ok {
		if n >= chip.LineCount() {
			return 0, "", fmt.Errorf("%s %q: no such line on %s (lines 0-%d)", field, ref, chip.Name(), chip.LineCount()-1)
		}
		name := ""
		if l := chip.ByNumber(n); l != nil {
			name = l.Name()
		}
		return n, name, nil
	}
	if l := chip.ByName(string(ref)); l != nil {
		return l.Number(), l.Name(), nil
	}
	var names []string
	for _, l := range chip.Lines() {
		if l.Name() != "" {
			names = append(names, l.Name())
		}
	}
	hint := "it has no named lines; use a line number"
	if len(names) > 0 {
		if len(names) > 12 {
			names = append(names[:12], "...")
		}
		hint = "named lines: " + strings.Join(names, " ")
	}
	return 0, "", fmt.Errorf("%s %q: no such line on %s (lines 0-%d; %s)", field, ref, chip.Name(), chip.LineCount()-1, hint)
}
