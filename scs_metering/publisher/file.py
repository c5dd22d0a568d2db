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

Each batch is appended with a single write under an exclusive lock, then
flushed to disk. A crash can still tear the last line; the next write
first cuts the file back to its last complete line, so a reader never
counts half a record, and the outbox sends that batch again.
"""

import fcntl
import json
import os
import urllib.parse

from scs_metering.publisher import base


class FileSink(base.Sink):

    def __init__(self, definition):
        super().__init__(definition)
        url = definition.get('url') or ''
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme != 'file' or not parsed.path:
            raise base.SinkError('a file sink needs a file:///path URL, '
                                 'got %r' % url, 'url')
        self.path = urllib.parse.unquote(parsed.path)

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
        lines = b''.join(json.dumps(doc, sort_keys=True,
                                    separators=(',', ':')).encode() + b'\n'
                         for doc in batch.documents)
        try:
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT,
                         0o640)
        except OSError as exc:
            raise base.TransientError('cannot open %s: %s' % (
                self.path, exc.strerror))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._cut_torn_tail(fd)
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
