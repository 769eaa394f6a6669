// Command reader is the Rookery reader: follow feeds, read the timeline,
// threads, mentions and search, block and mute, on a local database.
// See `reader help`.
package main

import (
	"os"

	"github.com/rookery-social/rookery/aggregate/cli"
	siteact "github.com/rookery-social/rookery/publish/act"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], siteact.Open))
}
