package door

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"periph.io/x/conn/v3/gpio"
)

// The line requests below talk to the GPIO character device (uAPI v2)
// directly, on a chip found through periph's gpioioctl, because two
// gpioioctl.GPIOLine behaviours are unsafe for a lock:
//   - Read logs and returns Low when the ioctl fails, so a failed read of a
//     door contact would look like a valid level;
//   - Out first requests the line as an output at level 0 and only then
//     sets the wanted level, a glitch that can briefly unlock a fail-secure
//     lock on an active-low relay board.
// Here the lock line is requested with its locked level as the initial
// output value (GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, atomic in the kernel),
// and every read returns the ioctl's error.
// Layouts follow include/uapi/linux/gpio.h; they are identical on 32- and
// 64-bit kernels (explicit padding), so arm and arm64 share them.

const (
	gpioMaxNameSize    = 32
	gpioV2LinesMax     = 64
	gpioV2NumAttrsMax  = 10
	gpioV2FlagInput    = 1 << 2
	gpioV2FlagOutput   = 1 << 3
	gpioV2FlagPullUp   = 1 << 8
	gpioV2FlagPullDown = 1 << 9
	gpioV2FlagBiasOff  = 1 << 10
	gpioV2AttrOutVals  = 2
)

type gpioV2LineAttribute struct {
	id    uint32
	_     uint32
	value uint64
}

type gpioV2LineConfigAttribute struct {
	attr gpioV2LineAttribute
	mask uint64
}

type gpioV2LineConfig struct {
	flags    uint64
	numAttrs uint32
	_        [5]uint32
	attrs    [gpioV2NumAttrsMax]gpioV2LineConfigAttribute
}

type gpioV2LineRequest struct {
	offsets         [gpioV2LinesMax]uint32
	consumer        [gpioMaxNameSize]byte
	config          gpioV2LineConfig
	numLines        uint32
	eventBufferSize uint32
	_               [5]uint32
	fd              int32
}

type gpioV2LineValues struct {
	bits uint64
	mask uint64
}

func iowr(nr, size uintptr) uintptr { return 3<<30 | size<<16 | 0xB4<<8 | nr }

var (
	ioctlGetLine   = iowr(0x07, unsafe.Sizeof(gpioV2LineRequest{}))
	ioctlGetValues = iowr(0x0E, unsafe.Sizeof(gpioV2LineValues{}))
	ioctlSetValues = iowr(0x0F, unsafe.Sizeof(gpioV2LineValues{}))
)

func ioctl(fd uintptr, req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

// cdevLine is one requested line.
type cdevLine struct {
	fd   int
	desc string // "gpiochip0 line 17 (GPIO17)"
}

func (l *cdevLine) Read() (gpio.Level, error) {
	v := gpioV2LineValues{mask: 1}
	if err := ioctl(uintptr(l.fd), ioctlGetValues, unsafe.Pointer(&v)); err != nil {
		return gpio.Low, fmt.Errorf("read %s: %w", l.desc, err)
	}
	return v.bits&1 == 1, nil
}

func (l *cdevLine) Out(level gpio.Level) error {
	v := gpioV2LineValues{mask: 1}
	if level {
		v.bits = 1
	}
	if err := ioctl(uintptr(l.fd), ioctlSetValues, unsafe.Pointer(&v)); err != nil {
		return fmt.Errorf("drive %s %v: %w", l.desc, level, err)
	}
	return nil
}

func (l *cdevLine) close() error { return syscall.Close(l.fd) }

// requestLine requests one line of the chip open as f. For an output,
// initial is its first level, applied atomically with the request.
func requestLine(f *os.File, offset int, desc string, flags uint64, initial gpio.Level) (*cdevLine, error) {
	var req gpioV2LineRequest
	req.offsets[0] = uint32(offset)
	req.numLines = 1
	copy(req.consumer[:gpioMaxNameSize-1], "facegate-door")
	req.config.flags = flags
	if flags&gpioV2FlagOutput != 0 {
		req.config.numAttrs = 1
		req.config.attrs[0].attr.id = gpioV2AttrOutVals
		if initial {
			req.config.attrs[0].attr.value = 1
		}
		req.config.attrs[0].mask = 1
	}
	err := ioctl(f.Fd(), ioctlGetLine, unsafe.Pointer(&req))
	if err != nil {
		if errors.Is(err, syscall.EBUSY) {
			return nil, fmt.Errorf("request %s: %w (another program holds it; see gpioinfo)", desc, err)
		}
		return nil, fmt.Errorf("request %s: %w", desc, err)
	}
	return &cdevLine{fd: int(req.fd), desc: desc}, nil
}

func biasFlags(b Bias) uint64 {
	switch b {
	case BiasPullUp:
		return gpioV2FlagPullUp
	case BiasPullDown:
		return gpioV2FlagPullDown
	case BiasDisable:
		return gpioV2FlagBiasOff
	}
	return 0
}

// openGPIOChip opens the door's lines on a GPIO chip: the lock first, at
// its locked level, then the inputs.
func openGPIOChip(cfg Config) (_ *Lines, err error) {
	chip, err := findChip(cfg.Chip)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(chip.Path(), os.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", chip.Path(), err)
	}
	var opened []*cdevLine
	closeAll := func() error {
		var errs []error
		for _, l := range opened {
			errs = append(errs, l.close())
		}
		errs = append(errs, f.Close())
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			_ = closeAll()
		}
	}()
	request := func(field string, ref LineRef, flags uint64, initial gpio.Level) (*cdevLine, error) {
		off, name, err := resolveLine(chip, field, ref)
		if err != nil {
			return nil, err
		}
		desc := fmt.Sprintf("%s line %d", chip.Name(), off)
		if name != "" {
			desc += " (" + name + ")"
		}
		l, err := requestLine(f, off, desc, flags, initial)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		opened = append(opened, l)
		return l, nil
	}

	lines := &Lines{Closer: closeAll}
	// Lock first, born at its locked level.
	lock, err := request("door.lock.line", cfg.Lock.Line, gpioV2FlagOutput, LockedLevel(cfg.Lock))
	if err != nil {
		return nil, err
	}
	lines.Lock = lock
	contact, err := request("door.contact.line", cfg.Contact.Line, gpioV2FlagInput|biasFlags(cfg.Contact.Bias), false)
	if err != nil {
		return nil, err
	}
	lines.Contact = contact
	if cfg.Exit.Line != "" {
		l, err := request("door.rex.line", cfg.Exit.Line, gpioV2FlagInput|biasFlags(cfg.Exit.Bias), false)
		if err != nil {
			return nil, err
		}
		lines.Exit = l
	}
	if cfg.Fire.Line != "" {
		l, err := request("door.fire.line", cfg.Fire.Line, gpioV2FlagInput|biasFlags(cfg.Fire.Bias), false)
		if err != nil {
			return nil, err
		}
		lines.Fire = l
	}
	return lines, nil
}

// Compile-time checks that the layouts match the kernel's sizes on every
// GOARCH (592 and 16 bytes): a negative array length fails the build.
var (
	_ [unsafe.Sizeof(gpioV2LineRequest{}) - 592]byte
	_ [592 - unsafe.Sizeof(gpioV2LineRequest{})]byte
	_ [unsafe.Sizeof(gpioV2LineValues{}) - 16]byte
	_ [16 - unsafe.Sizeof(gpioV2LineValues{})]byte
)
