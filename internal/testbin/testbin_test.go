package testbin

import (
	"errors"
	"os/exec"
	"testing"
)

var racy string

func TestMain(m *testing.M) {
	Main(m, map[string]*string{"./testdata/racy": &racy})
}

// A program with a data race fails, with the race detector's report, when
// the tests are built with -race, and runs as a plain program otherwise.
func TestProgramsHaveTheRaceDetectorWhenTheTestsDo(t *testing.T) {
	out, err := exec.Command(racy).CombinedOutput()
	report := RaceReport(string(out))
	if raceEnabled {
		var ee *exec.ExitError
		if report == "" || !errors.As(err, &ee) || ee.ExitCode() != 66 {
			t.Fatalf("a racy program built by testbin under -race: %v\n%s", err, out)
		}
		return
	}
	if err != nil || report != "" {
		t.Fatalf("a racy program built by testbin without -race: %v\n%s", err, out)
	}
}
