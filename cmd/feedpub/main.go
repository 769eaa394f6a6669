// Command feedpub writes, renders and publishes a microblog kept in a git
// repository: Markdown posts in, a static site with Atom, RSS and JSON feeds
// out, then a push, a WebSub hub ping and Webmentions. See `feedpub help`.
package main

import (
	"os"

	"github.com/rookery-social/rookery/publish/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
