// Command hub runs a public W3C WebSub hub. See docs/HUB.md and hub --help.
package main

import (
	"os"

	"github.com/rookery-social/rookery/hub/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
