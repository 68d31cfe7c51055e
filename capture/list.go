package capture

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// DeviceNode is a V4L2 device node and the stable names udev made for it.
type DeviceNode struct {
	// Path is the node, e.g. /dev/video0.
	Path string
	// Aliases are symlinks to it under /dev/v4l/by-id and /dev/v4l/by-path;
	// by-id names survive re-plugging and are the ones to put in
	// camera.device.
	Aliases []string
}

// ListDevices returns the /dev/video* nodes under devDir (normally "/dev"),
// in numeric order, with their by-id and by-path aliases. It does not open
// them: UVC cameras also create metadata nodes that are not capture devices.
func ListDevices(devDir string) ([]DeviceNode, error) {
	paths, err := filepath.Glob(filepath.Join(devDir, "video*"))
	if err != nil {
		return nil, err
	}
	num := func(p string) int {
		n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "video"))
		if err != nil {
			return 1 << 30
		}
		return n
	}
	sort.Slice(paths, func(i, j int) bool { return num(paths[i]) < num(paths[j]) })
	aliases := map[string][]string{}
	for _, sub := range []string{"by-id", "by-path"} {
		links, _ := filepath.Glob(filepath.Join(devDir, "v4l", sub, "*"))
		for _, l := range links {
			target, err := os.Readlink(l)
			if err != nil {
				continue
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(l), target)
			}
			target = filepath.Clean(target)
			aliases[target] = append(aliases[target], l)
		}
	}
	nodes := make([]DeviceNode, 0, len(paths))
	for _, p := range paths {
		nodes = append(nodes, DeviceNode{Path: p, Aliases: aliases[filepath.Clean(p)]})
	}
	return nodes, nil
}
