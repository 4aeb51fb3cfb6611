/* Test stand-in for node_modules/echarts/dist/echarts.min.js (npm package echarts, pinned in package.json). */
