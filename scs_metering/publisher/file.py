# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""The ``file`` sink: JSON lines, one record revision per line.

A format may write its own lines (``focus`` writes CSV rows); a header
it needs is written once, when the file is empty.

Each batch is appended with a single write under an exclusive lock, then
flushed to disk. A crash can still tear the last line; the next write
first cuts the file back to its last complete line, so a reader never
counts half a record, and the outbox sends that batch again.

The path is absolute, without ``..``, and below one of ``[publisher]
file_sink_dirs`` (publisher/confinement.py): a sink definition must not
let its author append to files of the host. The directory is checked
again at each write, after following its symbolic links, and the file
itself is opened without following one.
"""

import fcntl
import os
import urllib.parse

from scs_metering.publisher import base


class FileSink(base.Sink):

    def __init__(self, definition):
        super().__init__(definition)
        url = definition.get('url') or ''
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme == 'file' and parsed.netloc not in ('',
                                                             'localhost'):
            raise base.SinkError(
                'a relative path or a remote host (%r): a file sink needs '
                'an absolute path, file:///path' % parsed.netloc, 'url')
        if parsed.scheme != 'file' or not parsed.path:
            raise base.SinkError('a file sink needs a file:///path URL, '
                                 'got %r' % url, 'url')
        path = urllib.parse.unquote(parsed.path)
        if not os.path.isabs(path) or '..' in path.split('/') or any(
                ord(c) < 32 for c in path):
            raise base.SinkError('a file sink needs an absolute path without '
                                 '".." or control characters, got %r' % (
                                     path,), 'url')
        self.path = path
        self.confinement = None

    def confine(self, confinement):
        reason = confinement.file(self.path)
        if reason:
            raise base.SinkError(reason, 'url')
        self.confinement = confinement

    @staticmethod
    def _cut_torn_tail(fd):
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b'\n':
            return
        # Walk back to the last newline; everything after it is torn.
        end = size
        while end > 0:
            start = max(0, end - 65536)
            chunk = os.pread(fd, end - start, start)
            cut = chunk.rfind(b'\n')
            if cut >= 0:
                os.ftruncate(fd, start + cut + 1)
                return
            end = start
        os.ftruncate(fd, 0)

    def send(self, batch):
        header, lines = batch.file_lines()
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            if self.confinement is not None:
                # A symbolic link may have appeared since the check.
                self.confine(self.confinement)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT |
                         os.O_NOFOLLOW, 0o640)
        except OSError as exc:
            raise base.TransientError('cannot open %s: %s' % (
                self.path, exc.strerror))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._cut_torn_tail(fd)
            if header and not os.fstat(fd).st_size:
                lines = header + lines
            written = os.write(fd, lines)
            if written != len(lines):
                raise OSError(0, 'short write (%d of %d bytes)' % (
                    written, len(lines)))
            os.fsync(fd)
        except OSError as exc:
            raise base.TransientError('cannot write %s: %s' % (
                self.path, exc.strerror))
        finally:
            os.close(fd)
