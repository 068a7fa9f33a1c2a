#!/usr/bin/ruby
# frozen_string_literal: true

# BigBlueButton runs only post_publish/*.rb, with `ruby <script> -m <recordID>`. The uploader
# itself is the bash script beside this file (docs/recordings-ingest.md); this only hands over.
script = File.join(__dir__, 'scaleflare-post-publish.sh')
exec('/bin/bash', script, *ARGV)
