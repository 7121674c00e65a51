// A throwaway nginx for a test: its main configuration, every path in the test's scratch
// directory (nginx otherwise writes under /var), one worker, in the foreground.

/** The main configuration around `body` (an `http { }` or `stream { }` block). */
export function nginxConfig (dir, body, { errorLog = `${dir}/error.log` } = {}) {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${errorLog} warn;
events { worker_connections 1024; }
${body}`
}

/** The http block's temporary paths, in `dir`/tmp (which the caller creates). */
export function nginxTempPaths (dir) {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${dir}/tmp/${kind === 'client_body' ? 'body' : kind};\n`).join('')
}
