package command

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Version is the program's version as the build recorded it: the main
// module's version, then the VCS revision and time and whether the tree
// was modified, when the build stamped them.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var vcs []string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			vcs = append(vcs, "revision "+s.Value)
		case s.Key == "vcs.time":
			vcs = append(vcs, s.Value)
		case s.Key == "vcs.modified" && s.Value == "true":
			vcs = append(vcs, "modified")
		}
	}
	if len(vcs) > 0 {
		v += " (" + strings.Join(vcs, ", ") + ")"
	}
	return v + " " + info.GoVersion
}

func (p *Program) version(args []string) error {
	if len(args) > 0 {
		return &UsageError{Err: fmt.Errorf("version takes no arguments")}
	}
	fmt.Fprintf(p.Stdout, "%s %s\n", p.Name, Version())
	return errDone
}
