# Draws bench/results/compare.png (or .svg) from raw/plot.dat (compare.d/plotdata.jq).
# Variables from bench/compare: term, outfile, datafile, subtitle, p99bound, fixedrate.
if (term eq 'pngcairo') {
    set terminal pngcairo size 1500,950 font 'sans,10' noenhanced
} else {
    set terminal svg size 1500,950 font 'sans,10' noenhanced dynamic background '#ffffff'
}
set output outfile
set datafile missing 'NaN'
set style fill solid 0.85 border -1
set boxwidth 0.26
set grid ytics lc rgb '#dddddd'
set xtics nomirror scale 0
set ytics nomirror
set border 3
set key top left reverse Left samplen 1.5 font ',9'
set yrange [0:*]

array title[6] = ['RSS per joined idle peer', 'Server CPU with N joined idle peers', \
                  'Connect + join of N clients', 'Handshake latency p50 at '.fixedrate.'/s (joined of connected)', \
                  'Handshake latency p99 at '.fixedrate.'/s (joined of connected)', \
                  'Highest handshake rate with p99 < '.p99bound.' ms']
array unit[6] = ['KiB per peer (lower is better)', '% of one core (lower is better)', \
                 'seconds (lower is better)', 'ms, offer to answer (lower is better)', \
                 'ms, offer to answer (lower is better)', 'handshakes per second (higher is better)']

set multiplot layout 2,3 title "webrtc-star signalling: ours vs the Node.js reference vs the transport floor (webrtc-star-echo-floor)\n".subtitle."\nDNF: did not finish within the time limit.  No bar: not measured (the reference is not run at the largest N).  Details: RESULTS.md" font ',11'
do for [i=1:6] {
    set title title[i] font ',11'
    set ylabel unit[i]
    set yrange [0:*]
    set xrange [-0.6:*]
    set offsets 0, 0.6, graph 0.3, 0
    plot datafile index (i-1) using 1:(0):xtic(2) with points ps 0 notitle, \
         '' index (i-1) using ($1-0.28):3 with boxes lc rgb '#1f77b4' title 'ours', \
         '' index (i-1) using ($1):4 with boxes lc rgb '#d62728' title 'reference (Node.js)', \
         '' index (i-1) using ($1+0.28):5 with boxes lc rgb '#9a9a9a' title 'floor', \
         '' index (i-1) using ($1-0.28):9:6 with labels offset 0,0.7 font ',8' notitle, \
         '' index (i-1) using ($1):10:7 with labels offset 0,0.7 font ',8' notitle, \
         '' index (i-1) using ($1+0.28):11:8 with labels offset 0,0.7 font ',8' notitle
}
unset multiplot
