// Animation playback in the browser: no server round trip per frame.
// A page keeps its frames in a dcc.Store ({frames, captions, title, kind: "lattice" with zmax, or
// "particles" with box}; built by pages/figures.py playback_data); the frame index is the
// value of its scrub slider; a dcc.Interval ticks while playing.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    playback: {
        // One callback owns the index, so ticks, step buttons, play/pause and new frames never race.
        advance: function (ticks, back, forward, play, data, index, paused) {
            const last = data && data.frames ? Math.max(data.frames.length - 1, 0) : 0;
            const trigger = (dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
            const stopped = [index, last, true, "▶ Play"];
            if (trigger.endsWith(".data")) {
                return [0, last, true, "▶ Play"];
            }
            if (trigger.endsWith("-play.n_clicks")) {
                if (!paused) {
                    return stopped;
                }
                // Play from the start when the end has been reached.
                return [index >= last ? 0 : index, last, false, "❚❚ Pause"];
            }
            if (trigger.endsWith("-back.n_clicks")) {
                return [Math.max(index - 1, 0), last, true, "▶ Play"];
            }
            if (trigger.endsWith("-forward.n_clicks")) {
                return [Math.min(index + 1, last), last, true, "▶ Play"];
            }
            // A clock tick: next frame, and stop at the last one.
            if (index >= last) {
                return stopped;
            }
            return [index + 1, last, index + 1 >= last, index + 1 >= last ? "▶ Play" : "❚❚ Pause"];
        },

        // The first frame of a run goes to the graph as a figure; the next ones only swap the trace's data
        // with Plotly.restyle (no figure through Dash's store, no React render): that is what keeps 64×64 smooth.
        draw: function (index, data, graphId) {
            if (!data || !data.frames || data.frames.length === 0) {
                return [window.dash_clientside.no_update, ""];
            }
            const frame = Math.min(index || 0, data.frames.length - 1);
            const state = data.frames[frame];
            const plot = document.querySelector("#" + graphId + " .js-plotly-plot");
            window.playbackDrawn = window.playbackDrawn || {};
            const type = data.kind === "particles" ? "scatter" : "heatmap";
            if (plot && plot.data && plot.data.length && plot.data[0].type === type
                && window.playbackDrawn[graphId] === data.frames) {
                const update = data.kind === "particles" ? {x: [state[0]], y: [state[1]]} : {z: [state]};
                Plotly.restyle(plot, update, [0]);
                return [window.dash_clientside.no_update, data.captions[frame]];
            }
            window.playbackDrawn[graphId] = data.frames;
            const layout = {title: {text: data.title}, height: 320, margin: {l: 10, r: 10, t: 40, b: 10},
                            uirevision: "playback"};
            let trace;
            if (data.kind === "particles") {
                // Particles [xs, ys] in the periodic box, about one σ wide (as pages/figures.py draws them).
                trace = {type: "scatter", mode: "markers", x: state[0], y: state[1],
                         marker: {size: Math.max(4, 240 / data.box), color: "#2166ac", line: {width: 0.5, color: "white"}}};
                layout.xaxis = {range: [0, data.box], showticklabels: false, constrain: "domain", mirror: true, showline: true};
                layout.yaxis = {range: [0, data.box], showticklabels: false, scaleanchor: "x", mirror: true, showline: true};
            } else {
                trace = {type: "heatmap", z: state, zmin: -data.zmax, zmax: data.zmax, showscale: false,
                         colorscale: [[0, "#2166ac"], [0.5, "#f7f7f7"], [1, "#b2182b"]]};
                layout.xaxis = {visible: false, constrain: "domain"};
                layout.yaxis = {visible: false, scaleanchor: "x", autorange: "reversed"};
            }
            const figure = {data: [trace], layout: layout};
            return [figure, data.captions[frame]];
        },
    },
});
