// Command facegate is the admin and installer tool of facegate: it inspects
// and benchmarks models, evaluates accuracy, lists cameras, tests door wiring,
// manages keys and pushes signed enrollments over MQTT.
//
// Each subcommand lives in its own file (cmd_<name>.go) and registers itself
// with register in an init function.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one facegate subcommand.
type command struct {
	// summary is one line for the command list.
	summary string
	// usage is the synopsis shown by `facegate help NAME`.
	usage string
	// run executes the command with the arguments after its name. It writes
	// normal output to stdout; errors are returned, not printed.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the subcommand registry, filled by init functions.
var commands = map[string]command{}

func register(name string, c command) {
	if _, dup := commands[name]; dup {
		panic("facegate: command registered twice: " + name)
	}
	commands[name] = c
}

// errUsage marks an error caused by wrong arguments: main prints the usage
// and exits with status 2.
var errUsage = errors.New("usage")

// usageError wraps a message so main prints it followed by the usage.
func usageError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// newFlagSet returns a FlagSet that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("facegate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// dispatch runs the subcommand named by args[0] and returns the exit status.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprintf(stdout, "usage: facegate %s\n\n%s\n", c.usage, c.summary)
				return 0
			}
		}
		printCommands(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "facegate: unknown command %q\n\n", args[0])
		printCommands(stderr)
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "facegate %s: %v\nusage: facegate %s\n", args[0], strings.TrimPrefix(err.Error(), "usage: "), c.usage)
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	default:
		fmt.Fprintf(stderr, "facegate %s: %v\n", args[0], err)
		return 1
	}
}

func printCommands(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: facegate COMMAND [flags]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nfacegate help COMMAND shows a command's usage.")
}

// parseArgs parses flags that may appear before, between or after the
// positional arguments (`facegate model bench M.tflite --runs 5`), which
// the standard flag package alone does not allow, and returns the
// positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
