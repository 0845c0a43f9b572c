#!/bin/sh
# Copy the npm-installed front-end files the pages use into static/vendor (served by the app).
set -eu
cd "$(dirname "$0")/.."
dest=static/vendor
rm -rf "$dest"
mkdir -p "$dest/bootstrap" "$dest/bootstrap-icons/fonts" "$dest/htmx" "$dest/echarts"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$dest/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$dest/bootstrap/"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$dest/bootstrap-icons/"
cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff "$dest/bootstrap-icons/fonts/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/"
echo "vendor assets copied to $dest"
