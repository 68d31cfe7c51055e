//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"github.com/blackjack/webcam"
)

// webcamDevice is a V4L2 device driven through github.com/blackjack/webcam.
// webcam does not expose the driver name or the negotiated bytes per line,
// so a second descriptor ("side") serves VIDIOC_QUERYCAP and VIDIOC_G_FMT
// (the format is per device, not per open file).
type webcamDevice struct {
	path string
	cam  *webcam.Webcam
	side int
}

// OpenDevice opens a V4L2 capture device with webcam. It is the default
// Opener of the v4l2 backend.
func OpenDevice(path string) (Device, error) {
	side, err := syscall.Open(path, syscall.O_RDWR|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	cam, err := webcam.Open(path)
	if err != nil {
		syscall.Close(side)
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &webcamDevice{path: path, cam: cam, side: side}, nil
}

// v4l2Capability is struct v4l2_capability (linux/videodev2.h).
type v4l2Capability struct {
	driver       [16]byte
	card         [32]byte
	busInfo      [32]byte
	version      uint32
	capabilities uint32
	deviceCaps   uint32
	reserved     [3]uint32
}

// v4l2Format is struct v4l2_format: the union holds pointers in some
// members, so it is pointer-aligned (208 bytes on 64-bit, 204 on 32-bit).
type v4l2Format struct {
	typ uint32
	fmt [200 / unsafe.Sizeof(uintptr(0))]uintptr
}

const (
	iocRead      = 2
	iocReadWrite = 3
	bufTypeVideo = 1 // V4L2_BUF_TYPE_VIDEO_CAPTURE
)

func ioc(dir, nr, size uintptr) uintptr { return dir<<30 | size<<16 | 'V'<<8 | nr }

var (
	vidiocQuerycap = ioc(iocRead, 0, unsafe.Sizeof(v4l2Capability{}))
	vidiocGFmt     = ioc(iocReadWrite, 4, unsafe.Sizeof(v4l2Format{}))
)

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func (d *webcamDevice) Describe() (DeviceInfo, error) {
	var c v4l2Capability
	if err := ioctl(d.side, vidiocQuerycap, unsafe.Pointer(&c)); err != nil {
		return DeviceInfo{}, fmt.Errorf("VIDIOC_QUERYCAP: %w", lost(err))
	}
	info := DeviceInfo{Path: d.path, Driver: cstr(c.driver[:]), Card: cstr(c.card[:]), BusInfo: cstr(c.busInfo[:])}
	if p, err := filepath.EvalSymlinks(d.path); err == nil {
		info.Path = p
	}
	formats := d.cam.GetSupportedFormats()
	codes := make([]PixelFormat, 0, len(formats))
	for f := range formats {
		codes = append(codes, PixelFormat(f))
	}
	// webcam returns a map; order by preference, then by code.
	rank := func(p PixelFormat) int {
		if i := slices.Index(formatPreference, p); i >= 0 {
			return i
		}
		return len(formatPreference)
	}
	slices.SortFunc(codes, func(a, b PixelFormat) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return int(int64(a) - int64(b))
	})
	for _, code := range codes {
		fi := FormatInfo{Format: code, Description: formats[webcam.PixelFormat(code)]}
		for _, s := range d.cam.GetSupportedFrameSizes(webcam.PixelFormat(code)) {
			si := SizeInfo{
				MinWidth: int(s.MinWidth), MaxWidth: int(s.MaxWidth), StepWidth: int(s.StepWidth),
				MinHeight: int(s.MinHeight), MaxHeight: int(s.MaxHeight), StepHeight: int(s.StepHeight),
			}
			if si.StepWidth == 0 && si.StepHeight == 0 {
				for _, r := range d.cam.GetSupportedFramerates(webcam.PixelFormat(code), s.MaxWidth, s.MaxHeight) {
					// A rate is a frame interval Num/Den seconds.
					if r.StepNumerator == 0 && r.StepDenominator == 0 && r.MinNumerator > 0 {
						si.Rates = append(si.Rates, float64(r.MinDenominator)/float64(r.MinNumerator))
					}
				}
			}
			fi.Sizes = append(fi.Sizes, si)
		}
		info.Formats = append(info.Formats, fi)
	}
	return info, nil
}

func (d *webcamDevice) Start(m Mode) (Mode, error) {
	code, _, _, err := d.cam.SetImageFormat(webcam.PixelFormat(m.Format), uint32(m.Width), uint32(m.Height))
	if err != nil {
		return Mode{}, fmt.Errorf("VIDIOC_S_FMT %s %dx%d: %w", m.Format, m.Width, m.Height, lost(err))
	}
	got := m
	got.Format = PixelFormat(code)
	// webcam returns the requested size, not the driver's: ask again.
	f := v4l2Format{typ: bufTypeVideo}
	if err := ioctl(d.side, vidiocGFmt, unsafe.Pointer(&f)); err != nil {
		return Mode{}, fmt.Errorf("VIDIOC_G_FMT: %w", lost(err))
	}
	pix := (*[6]uint32)(unsafe.Pointer(&f.fmt[0])) // width, height, pixelformat, field, bytesperline, sizeimage
	got.Width, got.Height, got.Format, got.Stride = int(pix[0]), int(pix[1]), PixelFormat(pix[2]), int(pix[4])
	if got.Format.IsJPEG() {
		got.Stride = 0
	}
	if m.FPS > 0 {
		// Not every driver can set a rate (VIDIOC_S_PARM); read back what runs.
		_ = d.cam.SetFramerate(float32(m.FPS))
	}
	got.FPS = 0
	if fps, err := d.cam.GetFramerate(); err == nil {
		got.FPS = float64(fps)
	}
	if err := d.cam.SetBufferCount(uint32(m.Buffers)); err != nil {
		return Mode{}, err
	}
	if err := d.cam.StartStreaming(); err != nil {
		return Mode{}, lost(err)
	}
	return got, nil
}

// pollSlice is how long one WaitForFrame call blocks; webcam takes whole
// seconds, and ctx is checked between slices.
const pollSlice = 1

func (d *webcamDevice) Read(ctx context.Context, timeout time.Duration, dst []byte) ([]byte, error) {
	deadline := time.Now().Add(timeout)
	for {
		if err := ctx.Err(); err != nil {
			return dst, err
		}
		if !time.Now().Before(deadline) {
			return dst, fmt.Errorf("%w (%v)", ErrTimeout, timeout)
		}
		err := d.cam.WaitForFrame(pollSlice)
		var to *webcam.Timeout
		if errors.As(err, &to) {
			continue
		}
		if err != nil {
			return dst, fmt.Errorf("poll: %w", lost(err))
		}
		b, idx, err := d.cam.GetFrame()
		if errors.Is(err, syscall.EAGAIN) {
			continue // woken without a filled buffer
		}
		if err != nil {
			return dst, fmt.Errorf("VIDIOC_DQBUF: %w", lost(err))
		}
		// b aliases the mmap buffer: copy it before handing the buffer back.
		dst = append(dst[:0], b...)
		if err := d.cam.ReleaseFrame(idx); err != nil {
			return dst, fmt.Errorf("VIDIOC_QBUF: %w", lost(err))
		}
		if len(dst) == 0 {
			continue
		}
		return dst, nil
	}
}

func (d *webcamDevice) Close() error {
	err := d.cam.Close() // stops streaming and unmaps the buffers first
	if cerr := syscall.Close(d.side); err == nil {
		err = cerr
	}
	return err
}

// lost marks errno values that mean the device is gone or broken.
func lost(err error) error {
	var e syscall.Errno
	if errors.As(err, &e) {
		switch e {
		case syscall.ENODEV, syscall.ENXIO, syscall.EIO, syscall.EPIPE, syscall.EBADF, syscall.ENOENT:
			return fmt.Errorf("%w: %w", ErrDeviceLost, err)
		}
	}
	return err
}
