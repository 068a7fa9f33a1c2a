#!/usr/bin/ruby
# frozen_string_literal: true

# BigBlueButton runs every *.rb of post_archive/, post_process/ and post_publish/ as
# `ruby <script> -m <recordID> [-f <format>]`. The work is done by the bash script installed in
# post_publish/ (docs/recordings-ingest.md); this shim, copied into each of the three, hands over
# and says which step called it.
script = File.join(__dir__, 'scaleflare-post-publish.sh')
script = File.expand_path('../post_publish/scaleflare-post-publish.sh', __dir__) unless File.exist?(script)
step = File.basename(__dir__)
hook = %w[post_archive post_process].include?(step) ? ['--hook', step] : []
exec('/bin/bash', script, *hook, *ARGV)
