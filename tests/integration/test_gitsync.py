"""
test_gitsync.py: a content directory that is a symbolic link swapped to a
new tree, as git-sync publishes each checkout: foliod follows the swap
without a signal, and watches the new tree for changes after it.
"""

import os
import unittest

from harness import EVENT_TIMEOUT, Foliod, wait_until

POST = "---\ntitle: %s\n---\n%s\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class SymlinkSwap(unittest.TestCase):

    def setUp(self):
        self.server = Foliod(files={}, conf={"content_dir": "{tmp}/link"})
        self.addCleanup(self.server.close)
        self.server.prepare()
        tmp = self.server.tmp
        write(os.path.join(tmp, "a", "posts", "alpha.md"),
              POST % ("Alpha", "first checkout"))
        write(os.path.join(tmp, "b", "posts", "beta.md"),
              POST % ("Beta", "second checkout"))
        os.symlink("a", os.path.join(tmp, "link"))
        self.server.start()

    def status(self, path):
        return self.server.get(path).status

    def wait_status(self, path, want):
        wait_until(lambda: self.status(path) == want, EVENT_TIMEOUT,
                   "%s to answer %d" % (path, want))

    def test_swap_publishes_the_new_tree_and_watches_it(self):
        tmp = self.server.tmp
        self.assertEqual(self.status("/posts/alpha"), 200)
        self.assertEqual(self.status("/posts/beta"), 404)
        # The atomic swap git-sync does: a new link renamed over the old.
        os.symlink("b", os.path.join(tmp, "link.new"))
        os.rename(os.path.join(tmp, "link.new"), os.path.join(tmp, "link"))
        self.wait_status("/posts/beta", 200)
        self.assertEqual(self.status("/posts/alpha"), 404)
        # Changes in the new tree are seen too.
        write(os.path.join(tmp, "b", "posts", "gamma.md"),
              POST % ("Gamma", "written after the swap"))
        self.wait_status("/posts/gamma", 200)
        # And the old tree is no longer watched.
        write(os.path.join(tmp, "a", "posts", "delta.md"),
              POST % ("Delta", "in the old checkout"))
        write(os.path.join(tmp, "b", "posts", "epsilon.md"),
              POST % ("Epsilon", "a later change in the new one"))
        self.wait_status("/posts/epsilon", 200)
        self.assertEqual(self.status("/posts/delta"), 404)


if __name__ == "__main__":
    unittest.main()
